import { describe, expect, it } from 'vitest';
import { onceAborted, raceAbort } from './abort.ts';
import { systemClock } from './clock.ts';

describe('systemClock', () => {
  it('sleeps for real and reports wall-clock time', async () => {
    const start = systemClock.now();
    await systemClock.sleep(20);
    expect(systemClock.now() - start).toBeGreaterThanOrEqual(15);
  });

  it('rejects a sleep with the signal reason when aborted', async () => {
    const ac = new AbortController();
    const p = systemClock.sleep(60_000, ac.signal);
    const reason = new Error('stop');
    ac.abort(reason);
    await expect(p).rejects.toBe(reason);
    await expect(systemClock.sleep(10, ac.signal)).rejects.toBe(reason);
  });
});

describe('abort helpers', () => {
  it('raceAbort settles like the promise unless the signal aborts first', async () => {
    const ac = new AbortController();
    await expect(raceAbort(Promise.resolve(7), ac.signal)).resolves.toBe(7);
    const reason = new Error('gone');
    const pending = raceAbort(new Promise<number>(() => {}), ac.signal);
    ac.abort(reason);
    await expect(pending).rejects.toBe(reason);
    await expect(onceAborted(ac.signal)).resolves.toBe(reason);
  });
});
