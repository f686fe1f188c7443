import { describe, expect, it } from 'vitest';
import { hasCode } from '@kedge/api';
import { StartGate } from './start-gate.ts';

/** Lets pending promise callbacks run. */
const settle = () => new Promise((r) => setImmediate(r));

describe('StartGate', () => {
  it('lets `limit` starts run at once and the rest in arrival order', async () => {
    const gate = new StartGate(2);
    const order: string[] = [];
    const releases: Record<string, () => void> = {};
    for (const name of ['a', 'b', 'c', 'd']) {
      void gate.acquire().then((release) => {
        order.push(name);
        releases[name] = release;
      });
    }
    await settle();
    expect(order).toEqual(['a', 'b']);
    expect([gate.active, gate.waiting]).toEqual([2, 2]);
    releases['b']!();
    await settle();
    expect(order).toEqual(['a', 'b', 'c']);
    releases['a']!();
    releases['a']!(); // a second call of the same release gives no extra turn
    await settle();
    expect(order).toEqual(['a', 'b', 'c', 'd']);
    expect([gate.active, gate.waiting]).toEqual([2, 0]);
  });

  it('a waiter whose signal aborts leaves the queue; the turn goes to the next', async () => {
    const gate = new StartGate(1);
    const first = await gate.acquire();
    const abort = new AbortController();
    const cancelled = gate.acquire(abort.signal);
    let nextRan = false;
    void gate.acquire().then(() => (nextRan = true));
    abort.abort(new Error('pod stopped'));
    await expect(cancelled).rejects.toThrow('pod stopped');
    expect(gate.waiting).toBe(1);
    first();
    await settle();
    expect(nextRan).toBe(true);
    expect(gate.active).toBe(1);
  });

  it('refuses an already aborted signal and a limit below 1', async () => {
    const gate = new StartGate(1);
    await expect(gate.acquire(AbortSignal.abort(new Error('gone')))).rejects.toThrow('gone');
    expect(gate.active).toBe(0);
    let err: unknown;
    try {
      new StartGate(0);
    } catch (e) {
      err = e;
    }
    expect(hasCode(err, 'KEDGE_CONFIG_INVALID')).toBe(true);
  });
});
