// The long-running children of the cluster-mode test harness (etcd,
// kube-apiserver, kube-controller-manager, kube-scheduler): spawned with
// their output kept for failure messages, tracked so a dying test run kills
// them, stopped with SIGTERM then SIGKILL; and a poll that fails fast with
// the child's last output when it exits or a deadline passes.
import { spawn } from 'node:child_process';
import { KedgeError } from '@kedge/api';
import { trackChild, untrackChild } from './child-registry.ts';
import { OutputLog } from './output-log.ts';

export interface Child {
  name: string;
  log: OutputLog;
  exited(): boolean;
  stop(): Promise<void>;
}

export function spawnChild(name: string, binary: string, args: string[]): Child {
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const log = new OutputLog();
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => log.append('stdout', chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => log.append('stderr', chunk));
  let done = false;
  const exit = new Promise<void>((resolve) => {
    child.once('exit', () => {
      done = true;
      if (child.pid !== undefined) untrackChild(child.pid);
      resolve();
    });
    child.once('error', (err) => {
      log.append('stderr', `spawn error: ${err.message}\n`);
      done = true;
      resolve();
    });
  });
  if (child.pid !== undefined) trackChild(child.pid);
  return {
    name,
    log,
    exited: () => done,
    stop: async () => {
      if (done) return;
      child.kill('SIGTERM');
      const escalate = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exit;
      clearTimeout(escalate);
    },
  };
}

export async function waitUntil(
  child: Child,
  what: string,
  timeoutMs: number,
  ok: () => Promise<boolean>,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exited()) {
      throw new KedgeError(
        'KEDGE_TEST_PROCESS_EXITED',
        `${child.name} exited before ${what}; last output:\n${child.log.tail(30)}`,
        { process: child.name },
      );
    }
    if (await ok()) return;
    if (Date.now() > deadline) {
      throw new KedgeError(
        'KEDGE_TEST_TIMEOUT',
        `${child.name}: ${what} not within ${timeoutMs} ms; last output:\n${child.log.tail(30)}`,
        { process: child.name },
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
