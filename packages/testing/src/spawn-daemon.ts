// A system daemon (containerd, docker-registry, ...) started for a test:
// output kept in memory, tracked so it dies with the test process, and a
// bounded stop (SIGTERM, then SIGKILL).
import { spawn } from 'node:child_process';
import { trackChild, untrackChild } from './child-registry.ts';
import { OutputLog } from './output-log.ts';

export interface SpawnedDaemon {
  log: OutputLog;
  /** True once the process exited (or could not be spawned). */
  exited: () => boolean;
  /** SIGTERM, SIGKILL after `killAfterMs`; resolves once it exited. */
  stop: () => Promise<void>;
  /** SIGKILL now (a crash); resolves once it exited. */
  killHard: () => Promise<void>;
}

export function spawnDaemon(binary: string, args: string[], killAfterMs: number): SpawnedDaemon {
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const log = new OutputLog();
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => log.append('stdout', chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => log.append('stderr', chunk));
  let exited = false;
  const exit = new Promise<void>((resolve) => {
    child.once('exit', () => {
      exited = true;
      if (child.pid !== undefined) untrackChild(child.pid);
      resolve();
    });
    child.once('error', (err) => {
      log.append('stderr', `spawn error: ${err.message}\n`);
      exited = true;
      resolve();
    });
  });
  if (child.pid !== undefined) trackChild(child.pid);
  return {
    log,
    exited: () => exited,
    stop: async () => {
      if (exited) return;
      child.kill('SIGTERM');
      const escalate = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
      await exit;
      clearTimeout(escalate);
    },
    killHard: async () => {
      if (exited) return;
      child.kill('SIGKILL');
      await exit;
    },
  };
}
