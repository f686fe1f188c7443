// What both node-task controllers (v1alpha2 and v1alpha1) do around their
// reconcile: one informer per node-task kind that enqueues the job's key on
// every change, a wait until they and the node cache are synced, and a
// periodic resync of the jobs that are not settled (or are being deleted).
import { isJobFinished, jobKey, NODE_TASK_KIND_NAMES, type NodeTaskKind } from '@kedge/api';
import { systemClock, type Clock, type Logger } from '@kedge/runtime';
import { createInformer, type Informer, type ResourceStore } from '@kedge/store';

export interface JobWatchOptions {
  store: ResourceStore;
  log: Logger;
  clock: Clock;
  /** Clock of the informers' retry backoff; default the system clock. */
  informerClock?: Clock | undefined;
  resyncPeriodMs: number;
  /** Other caches the controller needs before it reconciles (the node cache). */
  alsoSynced: Promise<unknown>[];
  enqueue(key: string): void;
}

export class JobWatch {
  readonly informers = new Map<NodeTaskKind, Informer<NodeTaskKind>>();
  readonly #o: JobWatchOptions;

  constructor(options: JobWatchOptions) {
    this.#o = options;
  }

  /** Starts the informers; resolves true once synced, false if `signal` aborted first. */
  async start(signal: AbortSignal): Promise<boolean> {
    for (const kind of NODE_TASK_KIND_NAMES) {
      const informer = createInformer(this.#o.store, kind, {
        signal,
        log: this.#o.log,
        clock: this.#o.informerClock ?? systemClock,
        onEvent: (e) => this.#o.enqueue(jobKey(kind, e.object.metadata.name)),
      });
      this.informers.set(kind, informer);
    }
    try {
      await Promise.all([...[...this.informers.values()].map((i) => i.synced), ...this.#o.alsoSynced]);
      return true;
    } catch (err: unknown) {
      if (signal.aborted) return false;
      throw err;
    }
  }

  /** Re-enqueues unsettled jobs every resyncPeriodMs until `signal` aborts (a safety net for timeouts). */
  async resync(signal: AbortSignal): Promise<void> {
    for (;;) {
      try {
        await this.#o.clock.sleep(this.#o.resyncPeriodMs, signal);
      } catch {
        return;
      }
      for (const [kind, informer] of this.informers) {
        for (const job of informer.list()) {
          const phase = job.status?.phase;
          const settled = isJobFinished(phase);
          if (!settled || job.metadata.deletionTimestamp !== undefined)
            this.#o.enqueue(jobKey(kind, job.metadata.name));
        }
      }
    }
  }
}
