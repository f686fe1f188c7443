import { hasCode } from '@kedge/api';
import { describe, expect, it } from 'vitest';
import { RampLimiter, type Release } from './ramp-limiter.ts';

/** Lets resolved acquires run their continuations. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('RampLimiter', () => {
  it('never lets more than K handshakes run, and starts waiters in arrival order', async () => {
    const ramp = new RampLimiter(3);
    const started: number[] = [];
    const releases = new Map<number, Release>();
    let peak = 0;
    for (let i = 0; i < 10; i++) {
      void ramp.acquire().then((release) => {
        started.push(i);
        releases.set(i, release);
        peak = Math.max(peak, ramp.active);
      });
    }
    await settle();
    expect(started).toEqual([0, 1, 2]);
    expect(ramp.waiting).toBe(7);

    // Finish handshakes out of order: each release admits exactly the next waiter.
    for (const done of [1, 0, 2, 4, 3, 5, 6, 7, 8, 9]) {
      releases.get(done)!();
      await settle();
      expect(ramp.active).toBeLessThanOrEqual(3);
    }
    expect(started).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(peak).toBe(3);
    expect(ramp.active).toBe(0);
    expect(ramp.waiting).toBe(0);
  });

  it('ignores a second release of the same slot', async () => {
    const ramp = new RampLimiter(1);
    const first = await ramp.acquire();
    let secondStarted = false;
    let thirdStarted = false;
    void ramp.acquire().then(() => (secondStarted = true));
    void ramp.acquire().then(() => (thirdStarted = true));
    first();
    first();
    await settle();
    expect(secondStarted).toBe(true);
    expect(thirdStarted).toBe(false);
    expect(ramp.active).toBe(1);
  });

  it('rejects waiters when closed, and every later acquire', async () => {
    const ramp = new RampLimiter(1);
    const held = await ramp.acquire();
    const waiting = ramp.acquire();
    ramp.close();
    await expect(waiting).rejects.toSatisfy((err: unknown) => hasCode(err, 'KEDGE_BUS_STOPPED'));
    await expect(ramp.acquire()).rejects.toSatisfy((err: unknown) => hasCode(err, 'KEDGE_BUS_STOPPED'));
    held();
    expect(ramp.active).toBe(0);
  });

  it('keeps admitting in order through thousands of waiters', async () => {
    const ramp = new RampLimiter(200);
    const order: number[] = [];
    const all = Array.from({ length: 5000 }, (_, i) =>
      ramp.acquire().then((release) => {
        order.push(i);
        expect(ramp.active).toBeLessThanOrEqual(200);
        setImmediate(release);
      }),
    );
    await Promise.all(all);
    expect(order).toEqual(Array.from({ length: 5000 }, (_, i) => i));
  });

  it('refuses a limit that is not a positive whole number', () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      expect(() => new RampLimiter(bad)).toThrow(/ramp: concurrent handshakes must be a positive integer/);
    }
  });
});
