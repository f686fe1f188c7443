// kedge's stand-in for systemd's Restart=always, for the demo and e2e: runs a
// node child and starts it again whenever it exits, with a backoff that
// doubles up to a cap and starts over once a child stayed up long enough.
// A stop request is forwarded to the child; the supervisor then exits.
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { systemClock, type Clock, type Logger } from '@kedge/runtime';

export interface SupervisorOptions {
  /** Arguments to node (script first). */
  args: string[];
  /** Default: this process's node. */
  nodeBinary?: string;
  env?: NodeJS.ProcessEnv;
  /** First restart delay (default 1000 ms); doubles per quick exit. */
  restartDelayMs?: number;
  /** Cap on the delay (default 5000 ms). */
  maxDelayMs?: number;
  /** A child that ran this long resets the delay (default 30000 ms). */
  resetAfterMs?: number;
  /** After forwarding a stop, how long before SIGKILL (default 30000 ms). */
  killGraceMs?: number;
  log: Logger;
  clock?: Clock;
  /** Aborted (reason: the signal name) to stop: forwarded to the child, then the supervisor returns. */
  signal: AbortSignal;
}

/** Runs the child until told to stop; resolves with the stopped child's exit code (0 if none was running). */
export async function runSupervisor(options: SupervisorOptions): Promise<number> {
  const clock = options.clock ?? systemClock;
  const { log, signal } = options;
  const initial = options.restartDelayMs ?? 1000;
  const cap = options.maxDelayMs ?? 5000;
  const resetAfter = options.resetAfterMs ?? 30_000;
  let delay = initial;
  let runs = 0;
  for (;;) {
    runs++;
    const startedAt = clock.now();
    const code = await runOnce(options, clock, runs);
    if (signal.aborted) {
      log.info({ code }, 'supervisor stopping');
      return code;
    }
    const uptime = clock.now() - startedAt;
    if (uptime >= resetAfter) delay = initial;
    log.info({ code, uptimeMs: uptime, restartInMs: delay, runs }, 'child exited; restarting');
    try {
      await clock.sleep(delay, signal);
    } catch {
      log.info('supervisor stopping (no child running)');
      return 0;
    }
    delay = Math.min(delay * 2, cap);
  }
}

function runOnce(options: SupervisorOptions, clock: Clock, run: number): Promise<number> {
  const { log, signal } = options;
  const child = spawn(options.nodeBinary ?? process.execPath, options.args, {
    stdio: 'inherit',
    env: options.env ?? process.env,
  });
  log.info({ childPid: child.pid, run, args: options.args }, 'child started');
  const done = new AbortController();
  const onStop = (): void => {
    const sig: NodeJS.Signals = signal.reason === 'SIGINT' ? 'SIGINT' : 'SIGTERM';
    log.info({ childPid: child.pid, signal: sig }, 'forwarding stop to the child');
    child.kill(sig);
    clock.sleep(options.killGraceMs ?? 30_000, done.signal).then(
      () => {
        log.warn({ childPid: child.pid }, 'child did not stop in time; killing it');
        child.kill('SIGKILL');
      },
      () => undefined,
    );
  };
  return new Promise<number>((resolve) => {
    const finish = (code: number): void => {
      done.abort();
      signal.removeEventListener('abort', onStop);
      resolve(code);
    };
    child.once('error', (err) => {
      log.error({ err: err.message }, 'could not start the child');
      finish(1);
    });
    child.once('exit', (code, sig) => finish(code ?? 128 + (sig ? (constants.signals[sig] ?? 0) : 0)));
    if (signal.aborted) onStop();
    else signal.addEventListener('abort', onStop, { once: true });
  });
}
