// A module's bounded FIFO inbox. A full inbox holds senders back (put waits)
// instead of dropping; tryPut reports fullness instead. Invariants: receivers
// only wait while the queue is empty, senders only wait while it is full.
import { KedgeError, type Message } from '@kedge/api';

interface Taker {
  resolve: (msg: Message) => void;
}

interface Putter {
  msg: Message;
  resolve: () => void;
}

export function checkInboxCapacity(capacity: number): void {
  if (!Number.isInteger(capacity) || capacity < 1) {
    throw new KedgeError(
      'KEDGE_CONFIG_INVALID',
      `inboxCapacity: must be a positive integer, got ${capacity}`,
      {
        fields: ['inboxCapacity'],
      },
    );
  }
}

export class Inbox {
  readonly capacity: number;
  #items: Message[] = [];
  #takers: Taker[] = [];
  #putters: Putter[] = [];

  constructor(capacity: number) {
    checkInboxCapacity(capacity);
    this.capacity = capacity;
  }

  /** Messages queued (not counting senders held back). */
  get size(): number {
    return this.#items.length;
  }

  /** Senders waiting for room. */
  get waitingSenders(): number {
    return this.#putters.length;
  }

  tryPut(msg: Message): boolean {
    const taker = this.#takers.shift();
    if (taker !== undefined) {
      taker.resolve(msg);
      return true;
    }
    if (this.#items.length >= this.capacity) return false;
    this.#items.push(msg);
    return true;
  }

  /** Enqueues msg, waiting for room while full; rejects with signal.reason on abort (msg not queued). */
  put(msg: Message, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.reject(signal.reason as Error);
    if (this.tryPut(msg)) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        this.#putters = this.#putters.filter((p) => p !== putter);
        reject(signal.reason as Error);
      };
      const putter: Putter = {
        msg,
        resolve: () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      this.#putters.push(putter);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  tryTake(): Message | undefined {
    const msg = this.#items.shift();
    if (msg === undefined) return undefined;
    const putter = this.#putters.shift();
    if (putter !== undefined) {
      this.#items.push(putter.msg);
      putter.resolve();
    }
    return msg;
  }

  /** Next message, waiting while empty; rejects with signal.reason on abort. */
  take(signal: AbortSignal): Promise<Message> {
    if (signal.aborted) return Promise.reject(signal.reason as Error);
    const msg = this.tryTake();
    if (msg !== undefined) return Promise.resolve(msg);
    return new Promise<Message>((resolve, reject) => {
      const onAbort = (): void => {
        this.#takers = this.#takers.filter((t) => t !== taker);
        reject(signal.reason as Error);
      };
      const taker: Taker = {
        resolve: (m) => {
          signal.removeEventListener('abort', onAbort);
          resolve(m);
        },
      };
      this.#takers.push(taker);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}
