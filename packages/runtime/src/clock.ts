// Time as a dependency: components read the time and sleep through a Clock so
// that tests can swap in FakeClock and drive timeouts and backoff without
// waiting for them.
import { whenAborted } from './abort.ts';

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms`; rejects with `signal.reason` if the signal aborts first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

function realSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const timer = setTimeout(
      () => {
        cancel?.();
        resolve();
      },
      Math.max(0, ms),
    );
    const cancel = signal
      ? whenAborted(signal, () => {
          clearTimeout(timer);
          reject(signal.reason as Error);
        })
      : undefined;
  });
}

/** Wall-clock time and real timers. Stateless, so sharing it is safe. */
export const systemClock: Clock = Object.freeze({
  now: () => Date.now(),
  sleep: realSleep,
});
