import { describe, expect, it } from 'vitest';
import { createLogger, FakeClock } from '@kedge/runtime';
import { Controller, Reconciled, type ReconcileResult } from './controller.ts';

const log = createLogger({ name: 'test', level: 'silent' });

/** Lets pending callbacks run. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function harness(
  reconcile: (key: string) => Promise<ReconcileResult> | ReconcileResult,
  workers = 2,
): { clock: FakeClock; controller: Controller; stop: AbortController; done: Promise<void> } {
  const clock = new FakeClock(0);
  const controller = new Controller({
    name: 'test',
    clock,
    log,
    workers,
    retryInitialMs: 100,
    retryMaxMs: 1000,
    reconcile: async (key) => reconcile(key),
  });
  const stop = new AbortController();
  const done = controller.run(stop.signal);
  return { clock, controller, stop, done };
}

describe('Controller', () => {
  it('retries a failing key with growing delays until it succeeds, then forgets its backoff', async () => {
    const calls: number[] = [];
    let failuresLeft = 3;
    const { clock, controller, stop, done } = harness((key) => {
      calls.push(clock.now());
      if (key === 'k' && failuresLeft-- > 0) return Reconciled.retry(new Error('store busy'));
      return Reconciled.done;
    });
    controller.enqueue('k');
    await settle();
    await clock.advance(100);
    await clock.advance(200);
    await clock.advance(400);
    expect(calls).toEqual([0, 100, 300, 700]);
    expect(controller.queue.failures('k')).toBe(0);
    stop.abort();
    await done;
  });

  it('treats a thrown error like retry', async () => {
    let calls = 0;
    const { clock, controller, stop, done } = harness(() => {
      calls++;
      if (calls === 1) throw new Error('boom');
      return Reconciled.done;
    });
    controller.enqueue('k');
    await settle();
    expect(calls).toBe(1);
    await clock.advance(100);
    expect(calls).toBe(2);
    stop.abort();
    await done;
  });

  it('requeueAfter reconciles the key again at that time', async () => {
    const at: number[] = [];
    const { clock, controller, stop, done } = harness(() => {
      at.push(clock.now());
      return at.length < 3 ? Reconciled.requeueAfter(30_000) : Reconciled.done;
    });
    controller.enqueue('job');
    await settle();
    await clock.advance(29_999);
    expect(at).toEqual([0]);
    await clock.advance(1);
    await clock.advance(30_000);
    await clock.advance(30_000);
    expect(at).toEqual([0, 30_000, 60_000]);
    stop.abort();
    await done;
  });

  it('runs at most `workers` reconciles at once and never one key twice at the same time', async () => {
    let running = 0;
    let maxRunning = 0;
    const runningKeys = new Set<string>();
    let overlap = false;
    const release: (() => void)[] = [];
    const { controller, stop, done } = harness(async (key) => {
      if (runningKeys.has(key)) overlap = true;
      runningKeys.add(key);
      maxRunning = Math.max(maxRunning, ++running);
      await new Promise<void>((resolve) => release.push(resolve));
      running--;
      runningKeys.delete(key);
      return Reconciled.done;
    }, 3);
    for (const k of ['a', 'b', 'c', 'd', 'e', 'a', 'a']) controller.enqueue(k);
    await settle();
    expect(running).toBe(3);
    controller.enqueue('a'); // 'a' is running: it must wait, not run twice
    for (let i = 0; i < 20 && (release.length > 0 || running > 0); i++) {
      release.splice(0).forEach((r) => r());
      await settle();
    }
    expect(maxRunning).toBe(3);
    expect(overlap).toBe(false);
    stop.abort();
    await done;
  });

  it('stops when the signal aborts, after the reconcile in flight', async () => {
    let finish: () => void = () => undefined;
    let finished = false;
    const { controller, stop, done } = harness(async () => {
      await new Promise<void>((resolve) => (finish = resolve));
      finished = true;
      return Reconciled.retry(new Error('ignored after stop'));
    }, 1);
    controller.enqueue('k');
    await settle();
    stop.abort();
    finish();
    await done;
    expect(finished).toBe(true);
    expect(controller.queue.isDelayed('k')).toBe(false);
  });
});
