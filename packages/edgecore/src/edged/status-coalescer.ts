// Sends a pod's status upstream only when it changed, one write at a time:
// the pod worker offers a freshly built status after every sync (several a
// second while probes run); an equal one is dropped, and while a write is in
// flight only the newest offer waits, so a burst of changes costs at most one
// more write. A failed write is retried with the newest status after
// `retryMs` (clock-driven).
import type { Clock, Logger } from '@kedge/runtime';
import type { PodStatus } from './pod-spec.ts';

export type StatusSink = (status: PodStatus) => Promise<void>;

export interface StatusCoalescerOptions {
  sink: StatusSink;
  clock: Clock;
  log: Logger;
  retryMs?: number;
}

/** Key order does not matter; arrays do. */
function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, value: unknown) =>
    value && typeof value === 'object' && !Array.isArray(value)
      ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : value,
  );
}

export class StatusCoalescer {
  readonly #o: StatusCoalescerOptions;
  #sent: string | undefined;
  #pending: PodStatus | undefined;
  #flying = false;
  #writes = 0;
  readonly #abort = new AbortController();

  constructor(o: StatusCoalescerOptions) {
    this.#o = o;
  }

  /** How many writes reached the sink (successful or not). */
  get writes(): number {
    return this.#writes;
  }

  /** Offers a status; returns true when it differs from the last one sent (and will be sent). */
  offer(status: PodStatus): boolean {
    const key = canonical(status);
    const newest = this.#pending ? canonical(this.#pending) : this.#sent;
    if (key === newest) return false;
    this.#pending = status;
    if (!this.#flying) void this.#drain();
    return true;
  }

  /** Stops retrying; a write in flight finishes. */
  close(): void {
    this.#abort.abort();
  }

  async #drain(): Promise<void> {
    this.#flying = true;
    try {
      while (this.#pending && !this.#abort.signal.aborted) {
        const status = this.#pending;
        const key = canonical(status);
        this.#pending = undefined;
        if (key === this.#sent) continue;
        this.#writes++;
        try {
          await this.#o.sink(status);
          this.#sent = key;
        } catch (err: unknown) {
          this.#o.log.warn({ err }, 'pod status not sent; retrying');
          this.#pending ??= status;
          await this.#o.clock.sleep(this.#o.retryMs ?? 5000, this.#abort.signal).catch(() => undefined);
        }
      }
    } finally {
      this.#flying = false;
    }
  }
}
