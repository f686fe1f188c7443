// One hashed timer wheel for a whole fleet: every node's keepalive, handshake
// timeout and reconnect delay is an entry in one of `slots` buckets of
// `tickMs` each, and a single interval walks the buckets. Thousands of nodes
// cost one timer, and an entry is O(1) to add, cancel and fire.
import { KedgeError } from '@kedge/api';
import { every, type Clock } from '@kedge/runtime';

export interface TimerWheelOptions {
  /** Bucket width and tick interval; default 25 ms. */
  tickMs?: number;
  /** Bucket count; entries further out than slots * tickMs wait extra turns. Default 1024. */
  slots?: number;
  clock: Clock;
  /** Called with what a callback threw; the wheel keeps turning. */
  onError: (err: unknown) => void;
}

/** A scheduled callback; `cancel()` is idempotent. */
export interface WheelTimer {
  readonly deadline: number;
  cancel(): void;
}

class Entry implements WheelTimer {
  deadline: number;
  readonly periodMs: number;
  readonly fn: () => void;
  bucket: Set<Entry> | undefined;

  constructor(deadline: number, periodMs: number, fn: () => void) {
    this.deadline = deadline;
    this.periodMs = periodMs;
    this.fn = fn;
  }

  cancel(): void {
    this.bucket?.delete(this);
    this.bucket = undefined;
  }
}

export class TimerWheel {
  readonly tickMs: number;
  private readonly buckets: Set<Entry>[];
  private readonly clock: Clock;
  private readonly onError: (err: unknown) => void;
  /** Index (time / tickMs) of the last bucket walked. */
  private cursor: number;
  /** Aborted by stop(): ends the loop that drives the wheel. */
  private turning: AbortController | undefined;

  constructor(o: TimerWheelOptions) {
    this.tickMs = o.tickMs ?? 25;
    const slots = o.slots ?? 1024;
    if (!(this.tickMs >= 1) || !Number.isInteger(slots) || slots < 1) {
      throw new KedgeError(
        'KEDGE_CONFIG_INVALID',
        'timer wheel: tickMs must be >= 1 and slots a positive integer',
        {
          fields: ['tickMs', 'slots'],
        },
      );
    }
    this.buckets = Array.from({ length: slots }, () => new Set<Entry>());
    this.clock = o.clock;
    this.onError = o.onError;
    this.cursor = Math.floor(o.clock.now() / this.tickMs);
  }

  /** Runs `fn` once, `delayMs` from now (late by at most one tick, never early). */
  schedule(delayMs: number, fn: () => void): WheelTimer {
    return this.insert(new Entry(this.clock.now() + Math.max(0, delayMs), 0, fn));
  }

  /** Runs `fn` at `firstAt`, then every `periodMs` after it, aligned to `firstAt` (no drift). */
  every(firstAt: number, periodMs: number, fn: () => void): WheelTimer {
    if (!(periodMs > 0)) {
      throw new KedgeError('KEDGE_CONFIG_INVALID', `timer wheel: period must be > 0, got ${periodMs}`, {
        fields: ['periodMs'],
      });
    }
    return this.insert(new Entry(firstAt, periodMs, fn));
  }

  /** Entries waiting to fire. */
  get size(): number {
    let n = 0;
    for (const b of this.buckets) n += b.size;
    return n;
  }

  /**
   * Walks every bucket from the last tick up to `now` and fires what is due,
   * in bucket order. The interval calls it; tests call it with chosen times.
   */
  tick(now = this.clock.now()): number {
    const target = Math.floor(now / this.tickMs);
    // After a long stall, one walk over all buckets is enough: each entry is checked against `now`.
    const from = Math.max(this.cursor + 1, target - this.buckets.length + 1);
    let fired = 0;
    for (let index = from; index <= target; index++) {
      // Entries added while this bucket fires (re-armed beats, zero delays) go to a later one.
      this.cursor = index;
      const bucket = this.buckets[index % this.buckets.length]!;
      if (bucket.size === 0) continue;
      const due: Entry[] = [];
      for (const entry of bucket) if (entry.deadline <= now) due.push(entry);
      for (const entry of due) {
        bucket.delete(entry);
        entry.bucket = undefined;
        if (entry.periodMs > 0) {
          // Skip the beats missed during a stall rather than firing them in a burst.
          const missed = Math.floor((now - entry.deadline) / entry.periodMs) + 1;
          entry.deadline += missed * entry.periodMs;
          this.insert(entry);
        }
        try {
          entry.fn();
        } catch (err: unknown) {
          this.onError(err);
        }
        fired++;
      }
    }
    return fired;
  }

  /** Starts the one loop that drives the wheel, a tick every tickMs on the clock. */
  start(): void {
    if (this.turning) return;
    const turning = (this.turning = new AbortController());
    void every(this.clock, this.tickMs, turning.signal, () => {
      this.tick();
    });
  }

  /** Stops the loop and drops every entry. */
  stop(): void {
    this.turning?.abort();
    this.turning = undefined;
    for (const b of this.buckets) {
      for (const entry of b) entry.bucket = undefined;
      b.clear();
    }
  }

  private insert(entry: Entry): Entry {
    // Rounded up, so nothing fires before its deadline (and at most one tick after it);
    // never into a bucket already walked, so a late entry fires on the next tick.
    const index = Math.max(Math.ceil(entry.deadline / this.tickMs), this.cursor + 1);
    const bucket = this.buckets[index % this.buckets.length]!;
    bucket.add(entry);
    entry.bucket = bucket;
    return entry;
  }
}
