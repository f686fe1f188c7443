// A keyed work queue in the manner of client-go's: a key waits at most once
// (adding it again while it waits is a no-op), a key handed to a worker is not
// handed to another until done() (adding it meanwhile re-queues it after
// done, so the latest state is always processed once more), delayed adds keep
// the earliest deadline, and failing keys come back with per-key exponential
// backoff. Time comes from the injected clock.
import type { Clock } from '@kedge/runtime';

export interface WorkQueueOptions {
  clock: Clock;
  /** First retry delay of a failing key (ms); default 100. */
  retryInitialMs?: number;
  /** Cap of the retry delay (ms); default 30 000. */
  retryMaxMs?: number;
}

interface Delayed {
  deadline: number;
  cancel: AbortController;
}

export class WorkQueue {
  readonly #clock: Clock;
  readonly #retryInitialMs: number;
  readonly #retryMaxMs: number;
  /** Keys ready to hand out, in insertion order. */
  readonly #ready = new Set<string>();
  /** Keys that need processing (ready, or added again while processing). */
  readonly #dirty = new Set<string>();
  readonly #processing = new Set<string>();
  readonly #delayed = new Map<string, Delayed>();
  readonly #failures = new Map<string, number>();
  #waiters: ((key: string | undefined) => void)[] = [];
  #shutDown = false;

  constructor(options: WorkQueueOptions) {
    this.#clock = options.clock;
    this.#retryInitialMs = options.retryInitialMs ?? 100;
    this.#retryMaxMs = options.retryMaxMs ?? 30_000;
  }

  /** Keys waiting to be handed out. */
  get length(): number {
    return this.#ready.size;
  }

  /** Keys handed out and not yet done. */
  get processing(): number {
    return this.#processing.size;
  }

  get isShutDown(): boolean {
    return this.#shutDown;
  }

  add(key: string): void {
    if (this.#shutDown || this.#dirty.has(key)) return;
    this.#dirty.add(key);
    if (this.#processing.has(key)) return;
    const waiter = this.#waiters.shift();
    if (waiter) {
      this.#dirty.delete(key);
      this.#processing.add(key);
      waiter(key);
      return;
    }
    this.#ready.add(key);
  }

  /** Adds `key` after `ms`; of several pending delays for one key the earliest wins. */
  addAfter(key: string, ms: number): void {
    if (this.#shutDown) return;
    if (ms <= 0) {
      this.add(key);
      return;
    }
    const deadline = this.#clock.now() + ms;
    const pending = this.#delayed.get(key);
    if (pending && pending.deadline <= deadline) return;
    pending?.cancel.abort();
    const cancel = new AbortController();
    const entry: Delayed = { deadline, cancel };
    this.#delayed.set(key, entry);
    this.#clock.sleep(ms, cancel.signal).then(
      () => {
        if (this.#delayed.get(key) === entry) this.#delayed.delete(key);
        this.add(key);
      },
      () => undefined, // cancelled by an earlier deadline or shutDown
    );
  }

  /** Adds `key` after its next backoff delay (which grows with each call until forget). */
  addRateLimited(key: string): number {
    const failures = this.#failures.get(key) ?? 0;
    this.#failures.set(key, failures + 1);
    const delay = Math.min(this.#retryMaxMs, this.#retryInitialMs * 2 ** Math.min(failures, 40));
    this.addAfter(key, delay);
    return delay;
  }

  /** How many times in a row `key` was rate-limited since the last forget. */
  failures(key: string): number {
    return this.#failures.get(key) ?? 0;
  }

  /** Resets the key's backoff (after a success). */
  forget(key: string): void {
    this.#failures.delete(key);
  }

  /** Whether a delayed add of `key` is pending. */
  isDelayed(key: string): boolean {
    return this.#delayed.has(key);
  }

  /** The next key (the caller must call done(key)); undefined once shut down or aborted. */
  get(signal?: AbortSignal): Promise<string | undefined> {
    if (this.#shutDown || signal?.aborted) return Promise.resolve(undefined);
    const first = this.#ready.values().next();
    if (!first.done) {
      const key = first.value;
      this.#ready.delete(key);
      this.#dirty.delete(key);
      this.#processing.add(key);
      return Promise.resolve(key);
    }
    return new Promise((resolve) => {
      const waiter = (key: string | undefined): void => {
        signal?.removeEventListener('abort', onAbort);
        resolve(key);
      };
      const onAbort = (): void => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        resolve(undefined);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiters.push(waiter);
    });
  }

  /** Marks `key` processed; if it was added meanwhile it is queued again. */
  done(key: string): void {
    this.#processing.delete(key);
    if (!this.#dirty.has(key) || this.#shutDown) return;
    this.#dirty.delete(key);
    this.add(key);
  }

  /** Stops handing out keys: waiting get() calls resolve undefined, delayed adds are dropped. */
  shutDown(): void {
    this.#shutDown = true;
    for (const { cancel } of this.#delayed.values()) cancel.abort();
    this.#delayed.clear();
    this.#ready.clear();
    this.#dirty.clear();
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w(undefined);
  }
}
