// Run an async operation until it succeeds, sleeping with backoff between
// tries. Gives up with the last error when the retries are used up or when
// shouldRetry says the error is final; an abort rejects with signal.reason.
import { Backoff, type BackoffOptions } from './backoff.ts';
import { systemClock, type Clock } from './clock.ts';

export interface RetryOptions extends BackoffOptions {
  /** Retries after the first try (so at most retries + 1 calls); Infinity for no limit. */
  retries: number;
  clock?: Clock;
  signal?: AbortSignal;
  /** Default: every error is retried. */
  shouldRetry?: (err: unknown) => boolean;
}

/** Calls fn(1), fn(2), ... (the argument is the 1-based try number) until one resolves. */
export async function retry<T>(fn: (attempt: number) => Promise<T>, o: RetryOptions): Promise<T> {
  const clock = o.clock ?? systemClock;
  const backoff = new Backoff(o);
  for (let attempt = 1; ; attempt++) {
    o.signal?.throwIfAborted();
    try {
      return await fn(attempt);
    } catch (err: unknown) {
      if (attempt > o.retries) throw err;
      if (o.shouldRetry !== undefined && !o.shouldRetry(err)) throw err;
    }
    await clock.sleep(backoff.next(), o.signal);
  }
}
