import { FakeClock } from '@kedge/runtime';
import { describe, expect, it } from 'vitest';
import { firstKeepaliveAt, keepalivePhase, startDelay } from './keepalive-schedule.ts';
import { TimerWheel } from './timer-wheel.ts';

const HEARTBEAT = 15_000;
const TICK = 25;

/**
 * N nodes that all registered in the same millisecond (a fleet start, or a
 * mass reconnect after a cloudcore restart), each on its phase, on one wheel.
 * Returns the time of every keepalive over `periods` heartbeats, per node.
 */
function simulate(
  n: number,
  registeredAt: number,
  periods: number,
): { perNode: number[][]; perTick: Map<number, number> } {
  const origin = 1_000_000;
  const clock = new FakeClock(registeredAt);
  const wheel = new TimerWheel({
    clock,
    tickMs: TICK,
    slots: 1024,
    onError: (e) => {
      throw e;
    },
  });
  const perNode: number[][] = Array.from({ length: n }, () => []);
  const perTick = new Map<number, number>();
  let now = registeredAt;
  for (let i = 0; i < n; i++) {
    const first = firstKeepaliveAt(registeredAt, origin, keepalivePhase(i, n, HEARTBEAT), HEARTBEAT);
    wheel.every(first, HEARTBEAT, () => {
      perNode[i]!.push(now);
      perTick.set(now, (perTick.get(now) ?? 0) + 1);
    });
  }
  for (let t = registeredAt + TICK; t <= registeredAt + periods * HEARTBEAT; t += TICK) {
    now = t;
    wheel.tick(t);
  }
  return { perNode, perTick };
}

describe('keepalive scheduling', () => {
  it('gives the nodes of a fleet evenly spaced phases across the heartbeat', () => {
    const phases = Array.from({ length: 1000 }, (_, i) => keepalivePhase(i, 1000, HEARTBEAT));
    expect(new Set(phases).size).toBe(1000);
    expect(Math.min(...phases)).toBe(0);
    expect(Math.max(...phases)).toBeLessThan(HEARTBEAT);
    for (let i = 1; i < phases.length; i++) expect(phases[i]! - phases[i - 1]!).toBe(15);
  });

  it('spreads the keepalives of 1000 nodes registered in the same ms over the whole period', () => {
    const { perNode, perTick } = simulate(1000, 1_234_567, 3);
    // Every node beats once per heartbeat, exactly a heartbeat apart.
    for (const times of perNode) {
      expect(times.length).toBeGreaterThanOrEqual(2);
      expect(times[0]! - 1_234_567).toBeLessThanOrEqual(HEARTBEAT + TICK);
      for (let k = 1; k < times.length; k++) expect(times[k]! - times[k - 1]!).toBe(HEARTBEAT);
    }
    // No tick fires more than its share: 1000 nodes * 25 ms / 15 s ≈ 1.7, so at most 2.
    expect(Math.max(...perTick.values())).toBeLessThanOrEqual(Math.ceil((1000 * TICK) / HEARTBEAT));
    // And the beats cover the period: more than 550 of the 600 ticks of one period fire something.
    const firstPeriod = [...perTick.keys()].filter((t) => t <= 1_234_567 + HEARTBEAT);
    expect(firstPeriod.length).toBeGreaterThan(550);
  });

  it('keeps 5000 nodes within 9 keepalives per 25 ms tick', () => {
    const { perTick } = simulate(5000, 42, 2);
    expect(Math.max(...perTick.values())).toBeLessThanOrEqual(Math.ceil((5000 * TICK) / HEARTBEAT) + 1);
  });

  it('sends the first keepalive strictly after registering, on the node phase', () => {
    expect(firstKeepaliveAt(10_000, 0, 3_000, HEARTBEAT)).toBe(18_000);
    expect(firstKeepaliveAt(18_000, 0, 3_000, HEARTBEAT)).toBe(33_000);
    expect(firstKeepaliveAt(17_999, 0, 3_000, HEARTBEAT)).toBe(18_000);
    expect(firstKeepaliveAt(500, 1_000, 0, HEARTBEAT)).toBe(1_000);
  });

  it('spreads first dials over the requested window', () => {
    const delays = Array.from({ length: 100 }, (_, i) => startDelay(i, 100, 10_000));
    expect(delays[0]).toBe(0);
    expect(delays[99]).toBe(9_900);
    expect(startDelay(5, 100, 0)).toBe(0);
  });
});
