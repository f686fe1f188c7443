import { describe, expect, it } from 'vitest';
import { FakeClock } from '@kedge/runtime';
import { WorkQueue } from './work-queue.ts';

describe('WorkQueue', () => {
  it('hands out keys in order and once, however often they were added', async () => {
    const q = new WorkQueue({ clock: new FakeClock() });
    for (const k of ['a', 'b', 'a', 'c', 'b']) q.add(k);
    expect(q.length).toBe(3);
    expect([await q.get(), await q.get(), await q.get()]).toEqual(['a', 'b', 'c']);
    expect(q.length).toBe(0);
  });

  it('never hands a key to two workers; a key added while processed comes back once after done', async () => {
    const q = new WorkQueue({ clock: new FakeClock() });
    q.add('job');
    const key = await q.get();
    q.add('job');
    q.add('job');
    expect(q.length).toBe(0);
    const second = q.get();
    let handed: string | undefined;
    void second.then((k) => (handed = k));
    await Promise.resolve();
    expect(handed).toBeUndefined();
    q.done(key ?? '');
    expect(await second).toBe('job');
    q.done('job');
    expect(q.length).toBe(0);
  });

  it('wakes a waiting get() when a key arrives', async () => {
    const q = new WorkQueue({ clock: new FakeClock() });
    const waiting = q.get();
    q.add('x');
    expect(await waiting).toBe('x');
  });

  it('adds a delayed key at its deadline, keeping the earliest of several', async () => {
    const clock = new FakeClock(1000);
    const q = new WorkQueue({ clock });
    q.addAfter('k', 5000);
    q.addAfter('k', 2000);
    q.addAfter('k', 9000);
    expect(q.isDelayed('k')).toBe(true);
    await clock.advance(1999);
    expect(q.length).toBe(0);
    await clock.advance(1);
    expect(q.length).toBe(1);
    expect(await q.get()).toBe('k');
    q.done('k');
    await clock.advance(10_000);
    expect(q.length).toBe(0);
    expect(clock.pendingSleeps()).toBe(0);
  });

  it('backs off a failing key exponentially up to the cap, and forget resets it', async () => {
    const clock = new FakeClock();
    const q = new WorkQueue({ clock, retryInitialMs: 100, retryMaxMs: 1000 });
    const delays = [1, 2, 3, 4, 5].map(() => q.addRateLimited('k'));
    expect(delays).toEqual([100, 200, 400, 800, 1000]);
    expect(q.failures('k')).toBe(5);
    await clock.advance(100);
    expect(await q.get()).toBe('k');
    q.done('k');
    q.forget('k');
    expect(q.addRateLimited('k')).toBe(100);
  });

  it('shutDown releases waiters and drops delayed keys', async () => {
    const clock = new FakeClock();
    const q = new WorkQueue({ clock });
    const waiting = q.get();
    q.addAfter('later', 50);
    q.shutDown();
    expect(await waiting).toBeUndefined();
    await clock.advance(100);
    expect(q.length).toBe(0);
    q.add('x');
    expect(await q.get()).toBeUndefined();
  });

  it('get() resolves undefined when its signal aborts', async () => {
    const q = new WorkQueue({ clock: new FakeClock() });
    const ac = new AbortController();
    const waiting = q.get(ac.signal);
    ac.abort();
    expect(await waiting).toBeUndefined();
    q.add('x');
    expect(await q.get()).toBe('x');
  });
});
