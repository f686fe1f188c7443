import { FakeClock } from '@kedge/runtime';
import { describe, expect, it } from 'vitest';
import { TimerWheel } from './timer-wheel.ts';

function wheel(clock: FakeClock, tickMs = 25, slots = 64): { wheel: TimerWheel; errors: unknown[] } {
  const errors: unknown[] = [];
  return { wheel: new TimerWheel({ clock, tickMs, slots, onError: (e) => errors.push(e) }), errors };
}

/** Ticks the wheel every tickMs from the clock's time up to `until`, as the interval would. */
function runUntil(w: TimerWheel, clock: FakeClock, until: number): void {
  for (let t = clock.now() + w.tickMs; t <= until; t += w.tickMs) w.tick(t);
}

describe('TimerWheel', () => {
  it('once started, turns on the injected clock (no wall-time interval) until stopped', async () => {
    const clock = new FakeClock(0);
    const { wheel: w } = wheel(clock);
    const fired: number[] = [];
    w.start();
    w.every(100, 100, () => fired.push(clock.now()));
    await clock.advance(99);
    expect(fired).toEqual([]);
    for (let i = 0; i < 12; i++) await clock.advance(25);
    expect(fired).toEqual([100, 200, 300]);
    w.stop();
    expect(clock.pendingSleeps()).toBe(0);
    await clock.advance(1000);
    expect(fired).toEqual([100, 200, 300]);
  });

  it('fires a one-shot never before its deadline and at most one tick after it', () => {
    const clock = new FakeClock(1_000_000);
    const { wheel: w } = wheel(clock);
    const fired: { delay: number; at: number }[] = [];
    for (const delay of [0, 1, 24, 25, 26, 990, 1601, 5000]) {
      w.schedule(delay, () => fired.push({ delay, at: now }));
    }
    let now = clock.now();
    for (let t = clock.now() + 25; t <= clock.now() + 6000; t += 25) {
      now = t;
      w.tick(t);
    }
    expect(fired.map((f) => f.delay)).toEqual([0, 1, 24, 25, 26, 990, 1601, 5000]);
    for (const f of fired) {
      expect(f.at - 1_000_000).toBeGreaterThanOrEqual(f.delay);
      expect(f.at - 1_000_000).toBeLessThanOrEqual(f.delay + 25);
    }
    expect(w.size).toBe(0);
  });

  it('does not fire a cancelled entry', () => {
    const clock = new FakeClock(0);
    const { wheel: w } = wheel(clock);
    let fired = 0;
    const t = w.schedule(100, () => fired++);
    t.cancel();
    t.cancel();
    runUntil(w, clock, 1000);
    expect(fired).toBe(0);
  });

  it('repeats a periodic entry on its own grid without drift', () => {
    const clock = new FakeClock(0);
    const { wheel: w } = wheel(clock, 25, 8); // 200 ms around: a 1 s period takes several turns
    const at: number[] = [];
    let now = 0;
    w.every(310, 1000, () => at.push(now));
    for (let t = 25; t <= 5400; t += 25) {
      now = t;
      w.tick(t);
    }
    expect(at).toEqual([325, 1325, 2325, 3325, 4325, 5325]);
  });

  it('after a stall, fires each periodic entry once and keeps its grid', () => {
    const clock = new FakeClock(0);
    const { wheel: w } = wheel(clock);
    const at: number[] = [];
    w.every(100, 1000, () => at.push(1));
    w.tick(100);
    w.tick(7_450); // the event loop was blocked for 7 s
    w.tick(8_100);
    expect(at).toHaveLength(3);
  });

  it('keeps turning when a callback throws', () => {
    const clock = new FakeClock(0);
    const { wheel: w, errors } = wheel(clock);
    let after = 0;
    w.schedule(10, () => {
      throw new Error('boom');
    });
    w.schedule(10, () => after++);
    runUntil(w, clock, 100);
    expect(errors).toHaveLength(1);
    expect(after).toBe(1);
  });

  it('fires an entry scheduled from a callback with no delay on the next tick, not the same one', () => {
    const clock = new FakeClock(0);
    const { wheel: w } = wheel(clock);
    const ticks: number[] = [];
    let now = 0;
    w.schedule(50, () => w.schedule(0, () => ticks.push(now)));
    for (let t = 25; t <= 200; t += 25) {
      now = t;
      w.tick(t);
    }
    expect(ticks).toEqual([75]);
  });
});
