// How edge modules send the cloud something it must not lose: the report is
// in the SQLite outbox before report() returns, then EdgeHub sends it (now if
// connected, else after the next connect) until the cloud acknowledges it.
import { EdgeModules, type Message } from '@kedge/api';
import type { Bus } from '@kedge/beehive';
import type { Outbox } from '../database/index.ts';

export class EdgeReporter {
  readonly #outbox: Outbox;
  readonly #bus: Bus;

  constructor(outbox: Outbox, bus: Bus) {
    this.#outbox = outbox;
    this.#bus = bus;
  }

  async report(msg: Message): Promise<void> {
    this.#outbox.enqueue(msg);
    await this.#bus.send(EdgeModules.edgeHub, msg);
  }

  pending(): number {
    return this.#outbox.size();
  }
}
