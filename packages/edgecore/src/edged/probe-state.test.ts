import { describe, expect, it } from 'vitest';
import { ContainerProbes, ProbeState, probeTiming } from './probe-state.ts';

describe('probe state', () => {
  it("fills kubelet's defaults", () => {
    expect(probeTiming({})).toEqual({
      initialDelayMs: 0,
      periodMs: 10_000,
      timeoutMs: 1000,
      successThreshold: 1,
      failureThreshold: 3,
    });
  });

  it('waits initialDelaySeconds, then runs every periodSeconds', () => {
    const p = new ProbeState('readiness', { initialDelaySeconds: 5, periodSeconds: 2 });
    p.reset(1000);
    expect(p.due(5999)).toBe(false);
    expect(p.due(6000)).toBe(true);
    p.record(6000, true);
    expect(p.due(7999)).toBe(false);
    expect(p.due(8000)).toBe(true);
  });

  it('readiness starts false and needs successThreshold successes; failures need failureThreshold', () => {
    const p = new ProbeState('readiness', { successThreshold: 2, failureThreshold: 2 });
    p.reset(0);
    expect(p.result).toBe(false);
    expect(p.record(0, true)).toBe(false);
    expect(p.record(10, true)).toBe(true);
    expect(p.result).toBe(true);
    expect(p.record(20, false)).toBe(false);
    expect(p.record(30, true)).toBe(false); // the run of failures was broken
    expect(p.record(40, false)).toBe(false);
    expect(p.record(50, false)).toBe(true);
    expect(p.result).toBe(false);
  });

  it('liveness starts true, flips after failureThreshold failures, and a restart starts it over', () => {
    const p = new ProbeState('liveness', { failureThreshold: 3, successThreshold: 5 });
    p.reset(0);
    expect(p.result).toBe(true);
    p.record(0, false);
    p.record(1, false);
    expect(p.result).toBe(true);
    expect(p.record(2, false)).toBe(true);
    expect(p.result).toBe(false);
    p.reset(100);
    expect(p.result).toBe(true);
  });

  it('a startup probe gates liveness and readiness, and its failure kills the container', () => {
    const c = new ContainerProbes({
      startupProbe: { periodSeconds: 1, failureThreshold: 2 },
      livenessProbe: { periodSeconds: 1 },
      readinessProbe: { periodSeconds: 1 },
    });
    c.reset(0);
    expect(c.due(0).map((p) => p.kind)).toEqual(['startup']);
    expect([c.started, c.ready]).toEqual([false, false]);
    c.startup?.record(0, true);
    expect(c.started).toBe(true);
    expect(c.due(0).map((p) => p.kind)).toEqual(['liveness', 'readiness']);
    c.readiness?.record(0, true);
    expect(c.ready).toBe(true);
    c.reset(5000);
    c.startup?.record(5000, false);
    expect(c.failed).toBeUndefined();
    c.startup?.record(6000, false);
    expect(c.failed?.kind).toBe('startup');
  });

  it('a container without probes is started and ready', () => {
    const c = new ContainerProbes({});
    expect([c.started, c.ready, c.failed, c.due(0)]).toEqual([true, true, undefined, []]);
  });
});
