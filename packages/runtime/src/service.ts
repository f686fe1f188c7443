// The lifecycle contract of every long-running part: a Service runs until its
// signal aborts and resolves once it has stopped. runServices starts a list in
// order (the next one once the previous called ready(), or returned) and, when
// the outer signal aborts or one of them fails, stops them in reverse order,
// waiting at most stopBoundMs for each.
import { errorMessage } from '@kedge/api';
import { systemClock, type Clock } from './clock.ts';
import type { Logger } from './logger.ts';

export interface Service {
  readonly name: string;
  /** Serves until `signal` aborts; calls `ready()` once serving; resolves when stopped. */
  run(signal: AbortSignal, ready: () => void): Promise<void>;
}

/**
 * A Service from a start()/stop() pair: start, serve until the signal aborts, then stop. A part
 * whose start() fails is stopped too (it may have started some of itself), then the failure
 * is rethrown.
 */
export function startStopService(
  name: string,
  part: { start(): Promise<unknown>; stop(): Promise<void> },
): Service {
  return {
    name,
    async run(signal, ready) {
      try {
        await part.start();
        ready();
        await aborted(signal);
      } finally {
        await part.stop();
      }
    },
  };
}

/** A Service from a run(signal) loop that is serving as soon as it is called. */
export function loopService(name: string, run: (signal: AbortSignal) => Promise<void>): Service {
  return {
    name,
    run(signal, ready) {
      ready();
      return run(signal);
    },
  };
}

/** Calls tick every periodMs (measured from the end of the previous tick) until the signal aborts. */
export async function every(
  clock: Clock,
  periodMs: number,
  signal: AbortSignal,
  tick: () => Promise<void> | void,
): Promise<void> {
  while (!signal.aborted) {
    try {
      await clock.sleep(periodMs, signal);
    } catch {
      return;
    }
    await tick();
  }
}

export interface RunServicesOptions {
  log: Logger;
  /** How long one service may take to stop; default 10 s. */
  stopBoundMs?: number;
  clock?: Clock;
  /** Called once, when every service is ready (not when a start failed or the signal aborted first). */
  onStarted?: () => void;
}

interface Running {
  service: Service;
  abort: AbortController;
  done: Promise<void>;
}

/**
 * Starts `services` in order and runs them until `signal` aborts or one of them
 * fails; then stops the started ones in reverse order. Rejects with the first
 * failure (a start failure included), resolves on a clean stop.
 */
export async function runServices(
  services: readonly Service[],
  signal: AbortSignal,
  o: RunServicesOptions,
): Promise<void> {
  const clock = o.clock ?? systemClock;
  const stopBoundMs = o.stopBoundMs ?? 10_000;
  const failed = new AbortController();
  let failure: { err: unknown } | undefined;
  const running: Running[] = [];
  const stopAll = AbortSignal.any([signal, failed.signal]);

  for (const service of services) {
    if (stopAll.aborted) break;
    const abort = new AbortController();
    let markReady = (): void => undefined;
    const isReady = new Promise<void>((resolve) => (markReady = resolve));
    const done = Promise.resolve()
      .then(() => service.run(abort.signal, markReady))
      .then(
        () => {
          if (!abort.signal.aborted) o.log.info({ service: service.name }, 'service returned before stop');
        },
        (err: unknown) => {
          failure ??= { err };
          o.log.error({ service: service.name, err: errorMessage(err) }, 'service failed');
          failed.abort();
        },
      )
      .finally(markReady);
    running.push({ service, abort, done });
    await Promise.race([isReady, aborted(stopAll)]);
    if (!stopAll.aborted) o.log.info({ service: service.name }, 'service started');
  }

  if (!stopAll.aborted) o.onStarted?.();
  await aborted(stopAll);
  for (const r of running.reverse()) {
    r.abort.abort();
    const bound = new AbortController();
    const outcome = await Promise.race([
      r.done.then(() => 'stopped' as const),
      clock.sleep(stopBoundMs, bound.signal).then(
        () => 'timeout' as const,
        () => 'stopped' as const,
      ),
    ]);
    bound.abort();
    if (outcome === 'timeout') {
      o.log.warn({ service: r.service.name, stopBoundMs }, 'service did not stop within its bound');
    } else {
      o.log.info({ service: r.service.name }, 'service stopped');
    }
  }
  if (failure) throw failure.err;
}

function aborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}
