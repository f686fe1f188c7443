// A Clock for tests: time stands still until advance() moves it, then the
// sleeps whose deadline has passed wake in deadline order (ties in the order
// they were started), each seeing now() equal to its own deadline.
import type { Clock } from './clock.ts';

interface Sleeper {
  deadline: number;
  seq: number;
  resolve: () => void;
}

/** Lets pending promise continuations (and the sleeps they start) run. */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export class FakeClock implements Clock {
  #now: number;
  #seq = 0;
  #sleepers: Sleeper[] = [];

  constructor(start = 0) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason as Error);
        return;
      }
      if (ms <= 0) {
        resolve();
        return;
      }
      const onAbort = (): void => {
        this.#sleepers = this.#sleepers.filter((s) => s !== sleeper);
        reject(signal?.reason as Error);
      };
      const sleeper: Sleeper = {
        deadline: this.#now + ms,
        seq: this.#seq++,
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      this.#sleepers.push(sleeper);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /**
   * Moves time forward by `ms`, waking due sleeps one at a time in order and
   * letting each one's continuation run before the next, so sleeps started by
   * a woken task also fire if they fall inside the window.
   */
  async advance(ms: number): Promise<void> {
    const target = this.#now + Math.max(0, ms);
    await settle();
    for (;;) {
      const next = this.#earliestDue(target);
      if (next === undefined) break;
      this.#sleepers = this.#sleepers.filter((s) => s !== next);
      this.#now = next.deadline;
      next.resolve();
      await settle();
    }
    this.#now = target;
    await settle();
  }

  /** Number of sleeps still waiting for their deadline. */
  pendingSleeps(): number {
    return this.#sleepers.length;
  }

  #earliestDue(target: number): Sleeper | undefined {
    let best: Sleeper | undefined;
    for (const s of this.#sleepers) {
      if (s.deadline > target) continue;
      if (
        best === undefined ||
        s.deadline < best.deadline ||
        (s.deadline === best.deadline && s.seq < best.seq)
      ) {
        best = s;
      }
    }
    return best;
  }
}
