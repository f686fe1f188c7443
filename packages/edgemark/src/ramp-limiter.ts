// Caps how many connection handshakes (dial + register) run at once, so a
// fleet of thousands comes up fast without a SYN flood or a thousand
// registrations queued in the cloud at the same moment. Waiters are served in
// arrival order.
import { KedgeError } from '@kedge/api';

/** Gives the slot back; calling it twice is harmless. */
export type Release = () => void;

interface Waiter {
  resolve: (release: Release) => void;
  reject: (err: Error) => void;
}

export class RampLimiter {
  readonly limit: number;
  private running = 0;
  private readonly queue: Waiter[] = [];
  private head = 0;
  private closed = false;

  constructor(limit: number) {
    if (!Number.isInteger(limit) || limit < 1) {
      throw new KedgeError(
        'KEDGE_CONFIG_INVALID',
        `ramp: concurrent handshakes must be a positive integer, got ${limit}`,
        {
          fields: ['rampConcurrency'],
        },
      );
    }
    this.limit = limit;
  }

  /** Handshakes holding a slot. */
  get active(): number {
    return this.running;
  }

  /** Handshakes waiting for a slot. */
  get waiting(): number {
    return this.queue.length - this.head;
  }

  /** Resolves with a release function once a slot is free; rejects once the limiter is closed. */
  acquire(): Promise<Release> {
    if (this.closed) return Promise.reject(stoppedError());
    if (this.running < this.limit) {
      this.running++;
      return Promise.resolve(this.releaser());
    }
    return new Promise<Release>((resolve, reject) => this.queue.push({ resolve, reject }));
  }

  /** Rejects every waiter; later acquires reject at once. Slots already held stay valid. */
  close(): void {
    this.closed = true;
    const waiters = this.queue.splice(this.head);
    this.queue.length = 0;
    this.head = 0;
    for (const w of waiters) w.reject(stoppedError());
  }

  private releaser(): Release {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.running--;
      this.next();
    };
  }

  private next(): void {
    if (this.head >= this.queue.length || this.running >= this.limit) return;
    const waiter = this.queue[this.head]!;
    this.head++;
    // Compact now and then so the array does not grow without bound.
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
    this.running++;
    waiter.resolve(this.releaser());
  }
}

function stoppedError(): KedgeError {
  return new KedgeError('KEDGE_BUS_STOPPED', 'ramp limiter closed: the fleet is stopping');
}
