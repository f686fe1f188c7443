// Runs a Node 24 script (`process.execPath`) as a child the test can watch:
// output kept in memory, waitForLine over both streams, a bounded kill, and
// no orphan left behind when the test process exits.
import { spawn } from 'node:child_process';
import { KedgeError } from '@kedge/api';
import { trackChild, untrackChild } from './child-registry.ts';
import { OutputLog, type StreamName } from './output-log.ts';
import { repoRoot } from './repo-root.ts';

export interface ProcessExit {
  code: number | null;
  signal: string | null;
}

export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  stdout(): string;
  stderr(): string;
  /** First complete line on stdout or stderr, already printed or still to come, that matches `re`. */
  waitForLine(re: RegExp, timeoutMs?: number): Promise<string>;
  readonly exited: Promise<ProcessExit>;
  /** Sends `signal` (SIGTERM), then SIGKILL if the process still runs 5 s later; resolves once it exited. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** SIGKILL right away; resolves once it exited. */
  killHard(): Promise<void>;
}

export interface StartProcessOptions {
  /** Used in error messages (and as the echo prefix). */
  name: string;
  /** Arguments to node, e.g. ['packages/cloudcore/src/main.ts', '--config', file]. */
  args: string[];
  /** Default: the repository root. */
  cwd?: string;
  /** Added to (and overriding) the test process's environment. */
  env?: Record<string, string>;
  /** Written to the child's stdin, which is then closed; without it stdin is /dev/null. */
  input?: string;
}

const KILL_GRACE_MS = 5_000;
/** After 'exit', how long to wait for the pipes to drain before calling the output complete. */
const CLOSE_GRACE_MS = 1_000;
const DEFAULT_LINE_TIMEOUT_MS = 10_000;

export function startProcess(options: StartProcessOptions): ManagedProcess {
  const child = spawn(process.execPath, options.args, {
    cwd: options.cwd ?? repoRoot(),
    env: { ...process.env, ...options.env },
    stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
  // After a successful spawn, 'error' means a signal could not be delivered; it is
  // recorded in the output. Before, it means the spawn failed (pid undefined).
  const log = new OutputLog();
  child.on('error', (err) => log.append('stderr', `\n[${options.name}] process error: ${err.message}\n`));
  const pid = child.pid;
  if (pid === undefined) {
    throw new KedgeError('KEDGE_INTERNAL', `${options.name}: could not start ${process.execPath}`, {
      process: options.name,
    });
  }
  trackChild(pid);

  const echo = process.env.KEDGE_TEST_ECHO === '1';
  for (const stream of ['stdout', 'stderr'] as const satisfies StreamName[]) {
    const readable = child[stream];
    if (!readable) throw new KedgeError('KEDGE_INTERNAL', `${options.name}: no ${stream} pipe`);
    readable.setEncoding('utf8');
    readable.on('data', (chunk: string) => {
      log.append(stream, chunk);
      if (echo) process.stderr.write(chunk.replace(/^(?=.)/gm, `[${options.name}] `));
    });
  }
  if (options.input !== undefined) child.stdin?.end(options.input);

  let result: ProcessExit | undefined;
  const exited = new Promise<ProcessExit>((resolve) => {
    let graceTimer: NodeJS.Timeout | undefined;
    const finish = (): void => {
      if (graceTimer) clearTimeout(graceTimer);
      if (!result) return;
      log.flush();
      resolve(result);
    };
    child.once('exit', (code, signal) => {
      result = { code, signal };
      untrackChild(pid);
      // A grandchild holding our pipes would delay 'close' forever; do not wait for it.
      graceTimer = setTimeout(finish, CLOSE_GRACE_MS);
    });
    child.once('close', finish);
  });

  const waitForLine = (re: RegExp, timeoutMs = DEFAULT_LINE_TIMEOUT_MS): Promise<string> => {
    const pattern = new RegExp(re.source, re.flags.replace(/[gy]/g, ''));
    const seen = log.lines().find((l) => pattern.test(l.text));
    if (seen) return Promise.resolve(seen.text);
    return new Promise<string>((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        unsubscribe();
      };
      const unsubscribe = log.onLine((line) => {
        if (!pattern.test(line.text)) return;
        done();
        resolve(line.text);
      });
      const timer = setTimeout(() => {
        done();
        reject(
          new KedgeError(
            'KEDGE_TEST_TIMEOUT',
            `${options.name}: no line matching ${String(re)} within ${timeoutMs} ms; last output:\n${log.tail(20)}`,
            { process: options.name },
          ),
        );
      }, timeoutMs);
      void exited.then((exit) => {
        done();
        // The final flush may have delivered the line just now.
        const last = log.lines().find((l) => pattern.test(l.text));
        if (last) {
          resolve(last.text);
          return;
        }
        reject(
          new KedgeError(
            'KEDGE_TEST_PROCESS_EXITED',
            `${options.name}: exited (code ${exit.code}, signal ${exit.signal}) before printing a line matching ${String(re)}; last output:\n${log.tail(20)}`,
            { process: options.name },
          ),
        );
      });
    });
  };

  const kill = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<void> => {
    if (result) {
      await exited;
      return;
    }
    child.kill(signal);
    const escalate = setTimeout(() => {
      if (!result) child.kill('SIGKILL');
    }, KILL_GRACE_MS);
    try {
      await exited;
    } finally {
      clearTimeout(escalate);
    }
  };

  return {
    name: options.name,
    pid,
    stdout: () => log.text('stdout'),
    stderr: () => log.text('stderr'),
    waitForLine,
    exited,
    kill,
    killHard: () => kill('SIGKILL'),
  };
}
