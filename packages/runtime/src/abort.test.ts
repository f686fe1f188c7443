import { describe, expect, it } from 'vitest';
import { raceAbort, whenAborted } from './abort.ts';
import { systemClock } from './clock.ts';

describe('whenAborted', () => {
  it('calls each hook once on abort, not the cancelled ones, and one fn registered twice twice', () => {
    const ac = new AbortController();
    const calls: string[] = [];
    const a = () => calls.push('a');
    whenAborted(ac.signal, a);
    whenAborted(ac.signal, a);
    const cancelB = whenAborted(ac.signal, () => calls.push('b'));
    whenAborted(ac.signal, () => calls.push('c'));
    cancelB();
    ac.abort();
    ac.abort();
    expect(calls).toEqual(['a', 'a', 'c']);
  });

  it('keeps one listener on the signal however many hooks it holds', () => {
    const ac = new AbortController();
    let added = 0;
    const real = ac.signal.addEventListener.bind(ac.signal);
    ac.signal.addEventListener = ((...args: Parameters<AbortSignal['addEventListener']>) => {
      added++;
      real(...args);
    }) as AbortSignal['addEventListener'];
    const cancels = Array.from({ length: 1000 }, () => whenAborted(ac.signal, () => undefined));
    for (const cancel of cancels.slice(0, 500)) cancel();
    expect(added).toBe(1);
  });
});

describe('sleeps and races on one long-lived signal', () => {
  it('a sleep that ends leaves nothing behind; an abort rejects the ones still waiting', async () => {
    const ac = new AbortController();
    await Promise.all(Array.from({ length: 100 }, () => systemClock.sleep(1, ac.signal)));
    const waiting = systemClock.sleep(60_000, ac.signal);
    const raced = raceAbort(new Promise(() => undefined), ac.signal);
    ac.abort(new Error('stopping'));
    await expect(waiting).rejects.toThrow('stopping');
    await expect(raced).rejects.toThrow('stopping');
    await expect(raceAbort(Promise.resolve(7), new AbortController().signal)).resolves.toBe(7);
  });
});
