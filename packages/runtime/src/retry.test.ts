import { describe, expect, it } from 'vitest';
import { FakeClock } from './fake-clock.ts';
import { retry } from './retry.ts';

describe('retry', () => {
  it('retries with growing delays until the operation succeeds', async () => {
    const clock = new FakeClock();
    const calls: { attempt: number; at: number }[] = [];
    const p = retry(
      async (attempt) => {
        calls.push({ attempt, at: clock.now() });
        if (attempt < 3) throw new Error(`try ${attempt} failed`);
        return 'ok';
      },
      { initialMs: 100, maxMs: 1000, jitter: 0, retries: 5, clock },
    );
    await clock.advance(1000);
    await expect(p).resolves.toBe('ok');
    expect(calls).toEqual([
      { attempt: 1, at: 0 },
      { attempt: 2, at: 100 },
      { attempt: 3, at: 300 },
    ]);
  });

  it('gives up with the last error when retries run out', async () => {
    const clock = new FakeClock();
    let calls = 0;
    const p = retry(
      async (attempt) => {
        calls++;
        throw new Error(`failure ${attempt}`);
      },
      { initialMs: 10, maxMs: 10, retries: 2, clock },
    );
    const settled = expect(p).rejects.toThrow('failure 3');
    await clock.advance(100);
    await settled;
    expect(calls).toBe(3);
  });

  it('stops at once on an error shouldRetry calls final', async () => {
    const clock = new FakeClock();
    let calls = 0;
    const final = Object.assign(new Error('forbidden'), { code: 'KEDGE_STORE_FORBIDDEN' });
    const p = retry(
      async () => {
        calls++;
        throw final;
      },
      {
        initialMs: 10,
        maxMs: 10,
        retries: Infinity,
        clock,
        shouldRetry: (err) => (err as { code?: string }).code !== 'KEDGE_STORE_FORBIDDEN',
      },
    );
    await expect(p).rejects.toBe(final);
    expect(calls).toBe(1);
    expect(clock.pendingSleeps()).toBe(0);
  });

  it('rejects with the abort reason while waiting between tries', async () => {
    const clock = new FakeClock();
    const ac = new AbortController();
    const p = retry(
      async () => {
        throw new Error('down');
      },
      { initialMs: 1000, maxMs: 1000, retries: 10, clock, signal: ac.signal },
    );
    await clock.advance(0);
    expect(clock.pendingSleeps()).toBe(1);
    const reason = new Error('stopping');
    ac.abort(reason);
    await expect(p).rejects.toBe(reason);
  });
});
