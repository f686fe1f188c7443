import { describe, expect, it } from 'vitest';
import { FakeClock } from './fake-clock.ts';

describe('FakeClock', () => {
  it('wakes due sleeps in deadline order, each at its own deadline', async () => {
    const clock = new FakeClock(1000);
    const woke: string[] = [];
    const track = (name: string, ms: number): Promise<void> =>
      clock.sleep(ms).then(() => {
        woke.push(`${name}@${clock.now()}`);
      });
    const all = Promise.all([
      track('c', 300),
      track('a', 100),
      track('b', 200),
      track('a2', 100),
      track('late', 900),
    ]);
    expect(clock.pendingSleeps()).toBe(5);

    await clock.advance(250);
    expect(woke).toEqual(['a@1100', 'a2@1100', 'b@1200']);
    expect(clock.now()).toBe(1250);

    await clock.advance(1000);
    expect(woke).toEqual(['a@1100', 'a2@1100', 'b@1200', 'c@1300', 'late@1900']);
    expect(clock.now()).toBe(2250);
    expect(clock.pendingSleeps()).toBe(0);
    await all;
  });

  it('fires sleeps started by a woken task when they fall inside the window', async () => {
    const clock = new FakeClock();
    const ticks: number[] = [];
    const loop = (async () => {
      for (let i = 0; i < 3; i++) {
        await clock.sleep(100);
        ticks.push(clock.now());
      }
    })();
    await clock.advance(350);
    expect(ticks).toEqual([100, 200, 300]);
    await loop;
  });

  it('does not wake sleeps before their deadline', async () => {
    const clock = new FakeClock();
    let done = false;
    const p = clock.sleep(100).then(() => {
      done = true;
    });
    await clock.advance(99);
    expect(done).toBe(false);
    await clock.advance(1);
    expect(done).toBe(true);
    await p;
  });

  it('rejects with the signal reason on abort and forgets the sleep', async () => {
    const clock = new FakeClock();
    const ac = new AbortController();
    const p = clock.sleep(1000, ac.signal);
    expect(clock.pendingSleeps()).toBe(1);
    const reason = new Error('shutting down');
    ac.abort(reason);
    await expect(p).rejects.toBe(reason);
    expect(clock.pendingSleeps()).toBe(0);

    await expect(clock.sleep(10, ac.signal)).rejects.toBe(reason);
    expect(clock.pendingSleeps()).toBe(0);
  });
});
