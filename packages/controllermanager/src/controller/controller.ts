// Runs a reconcile function over the keys of a WorkQueue with a bounded
// number of workers (sample-controller's shape): event handlers only
// enqueue keys; a worker takes a key, reconciles it, and the outcome decides
// what happens next: done (forget its backoff), retry (back off, then again)
// or requeueAfter (again at a known time, e.g. the next timeout).
import { errorMessage } from '@kedge/api';
import type { Clock, Logger } from '@kedge/runtime';
import { WorkQueue } from './work-queue.ts';

export type ReconcileResult =
  | { readonly type: 'done' }
  | { readonly type: 'retry'; readonly error: unknown }
  | { readonly type: 'requeueAfter'; readonly ms: number };

export const Reconciled = {
  done: { type: 'done' } as ReconcileResult,
  retry: (error: unknown): ReconcileResult => ({ type: 'retry', error }),
  requeueAfter: (ms: number): ReconcileResult => ({ type: 'requeueAfter', ms: Math.max(0, ms) }),
} as const;

export type ReconcileFn = (key: string, signal: AbortSignal) => Promise<ReconcileResult>;

export interface ControllerOptions {
  /** Names the controller in logs. */
  name: string;
  reconcile: ReconcileFn;
  clock: Clock;
  log: Logger;
  /** Keys reconciled at the same time (never the same key twice); default 2. */
  workers?: number;
  retryInitialMs?: number;
  retryMaxMs?: number;
}

export class Controller {
  readonly queue: WorkQueue;
  readonly #o: ControllerOptions;
  readonly #log: Logger;

  constructor(options: ControllerOptions) {
    this.#o = options;
    this.#log = options.log;
    this.queue = new WorkQueue({
      clock: options.clock,
      ...(options.retryInitialMs !== undefined ? { retryInitialMs: options.retryInitialMs } : {}),
      ...(options.retryMaxMs !== undefined ? { retryMaxMs: options.retryMaxMs } : {}),
    });
  }

  enqueue(key: string): void {
    this.queue.add(key);
  }

  /** Runs the workers until `signal` aborts; resolves once every worker has finished its key. */
  async run(signal: AbortSignal): Promise<void> {
    const stop = (): void => this.queue.shutDown();
    if (signal.aborted) stop();
    else signal.addEventListener('abort', stop, { once: true });
    const workers = Math.max(1, this.#o.workers ?? 2);
    await Promise.all(Array.from({ length: workers }, () => this.#worker(signal)));
  }

  async #worker(signal: AbortSignal): Promise<void> {
    for (;;) {
      const key = await this.queue.get(signal);
      if (key === undefined) return;
      try {
        this.#settle(key, await this.#reconcileOnce(key, signal));
      } finally {
        this.queue.done(key);
      }
    }
  }

  async #reconcileOnce(key: string, signal: AbortSignal): Promise<ReconcileResult> {
    try {
      return await this.#o.reconcile(key, signal);
    } catch (err: unknown) {
      return Reconciled.retry(err);
    }
  }

  #settle(key: string, result: ReconcileResult): void {
    switch (result.type) {
      case 'done':
        this.queue.forget(key);
        return;
      case 'requeueAfter':
        this.queue.forget(key);
        this.queue.addAfter(key, result.ms);
        return;
      case 'retry': {
        if (this.queue.isShutDown) return;
        const delayMs = this.queue.addRateLimited(key);
        this.#log.warn(
          { err: result.error, key, delayMs, attempt: this.queue.failures(key) },
          `${this.#o.name}: reconcile of ${key} failed, retrying in ${delayMs} ms: ${errorMessage(result.error)}`,
        );
        return;
      }
    }
  }
}
