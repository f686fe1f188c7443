// How edge modules send the cloud something it must not lose: the report is
// in the SQLite outbox before report() returns, then EdgeHub sends it (now if
// connected, else after the next connect) until the cloud acknowledges it.
// EdgeReporter is the outbox's one writer: every report enters it once, here.
import { EdgeModules, type Message } from '@kedge/api';
import type { Bus } from '@kedge/beehive';
import { asSync, type Outbox } from '../database/index.ts';

/** What a module that reports needs (TaskManager takes this, not the outbox). */
export interface Reports {
  /**
   * Writes `msg` into the outbox and returns the copy stored (header.sync
   * set; `msg` itself is not changed). Synchronous, so it can be part of a
   * caller's SQLite transaction (the task store's result write). A report
   * still queued under the same msg_id stays as it was.
   */
  store(msg: Message): Message;
  /** Hands a report store() returned to EdgeHub. */
  send(stored: Message): Promise<void>;
  /** store() then send(). */
  report(msg: Message): Promise<void>;
  /**
   * Like report(), for state (a pod's status): a pending report of the same
   * resource and operation is replaced, not queued behind.
   */
  latest(msg: Message): Promise<void>;
  /** Reports not yet acknowledged by the cloud. */
  pending(): number;
}

export class EdgeReporter implements Reports {
  readonly #outbox: Outbox;
  readonly #bus: Bus;

  constructor(outbox: Outbox, bus: Bus) {
    this.#outbox = outbox;
    this.#bus = bus;
  }

  store(msg: Message): Message {
    const stored = asSync(msg);
    this.#outbox.enqueue(stored);
    return stored;
  }

  async send(stored: Message): Promise<void> {
    await this.#bus.send(EdgeModules.edgeHub, stored);
  }

  async report(msg: Message): Promise<void> {
    await this.send(this.store(msg));
  }

  async latest(msg: Message): Promise<void> {
    const stored = asSync(msg);
    this.#outbox.enqueueLatest(stored);
    await this.send(stored);
  }

  pending(): number {
    return this.#outbox.size();
  }
}
