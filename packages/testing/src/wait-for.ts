// Polls a condition until it yields a truthy value. A throw counts as "not
// yet": the last one becomes the cause of the timeout error, so a test that
// times out still shows why the condition kept failing.
import { KedgeError, errorMessage } from '@kedge/api';

export interface WaitForOptions {
  /** Default 10 000 ms. */
  timeoutMs?: number;
  /** Default 50 ms. */
  intervalMs?: number;
  /** What the caller waits for, for the timeout message. */
  what?: string;
}

export async function waitFor<T>(
  fn: () => Promise<T | undefined | false> | T | undefined | false,
  options: WaitForOptions = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const intervalMs = options.intervalMs ?? 50;
  const what = options.what ?? 'condition';
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await fn();
      if (value) return value;
      lastError = undefined;
    } catch (err: unknown) {
      lastError = err;
    }
    if (Date.now() >= deadline) {
      const why = lastError === undefined ? '' : ` (last error: ${errorMessage(lastError)})`;
      throw new KedgeError(
        'KEDGE_TEST_TIMEOUT',
        `timed out after ${timeoutMs} ms waiting for ${what}${why}`,
        { what },
        { cause: lastError },
      );
    }
    await new Promise((resolve) =>
      setTimeout(resolve, Math.min(intervalMs, Math.max(0, deadline - Date.now()))),
    );
  }
}
