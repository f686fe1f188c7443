// Callers of sendSync waiting for a reply, keyed by the request's msg_id.
import { KedgeError, type Message } from '@kedge/api';

export class SyncWaiters {
  #waiters = new Map<string, (reply: Message) => void>();

  /** Registers a waiter for msgId; the promise resolves when deliver() gets its reply. */
  wait(msgId: string): Promise<Message> {
    if (this.#waiters.has(msgId)) {
      throw new KedgeError(
        'KEDGE_INTERNAL',
        `a sync send with msg_id ${msgId} is already waiting for a reply`,
        {
          msgId,
        },
      );
    }
    return new Promise<Message>((resolve) => this.#waiters.set(msgId, resolve));
  }

  forget(msgId: string): void {
    this.#waiters.delete(msgId);
  }

  /** Hands reply to the waiter for its parent_msg_id; false when nobody waits. */
  deliver(reply: Message): boolean {
    const parent = reply.header.parent_msg_id;
    if (parent === undefined) return false;
    const resolve = this.#waiters.get(parent);
    if (resolve === undefined) return false;
    this.#waiters.delete(parent);
    resolve(reply);
    return true;
  }

  get size(): number {
    return this.#waiters.size;
  }
}
