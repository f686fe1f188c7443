import { describe, expect, it } from 'vitest';
import { Expectations, PodIndex } from './pod-index.ts';
import { pod, T0 } from './workload-fixtures.ts';

describe('PodIndex', () => {
  it('lists pods by controller owner and follows owner changes and deletes', () => {
    const index = new PodIndex();
    index.apply(pod('a', { owner: 'rs1' }), false);
    index.apply(pod('b', { owner: 'rs1' }), false);
    index.apply(pod('c'), false);
    expect(index.ownedBy('rs1').map((p) => p.metadata.name)).toEqual(['a', 'b']);
    index.apply(pod('b', { owner: 'rs2' }), false);
    index.apply(pod('a', { owner: 'rs1' }), true);
    expect(index.ownedBy('rs1')).toEqual([]);
    expect(index.ownedBy('rs2').map((p) => p.metadata.name)).toEqual(['b']);
  });
});

describe('Expectations (fake clock)', () => {
  it('holds a ReplicaSet until the cache showed its creates and deletes', () => {
    const e = new Expectations(() => T0, 30_000);
    e.expectAdd('default/rs1', 'p1');
    e.expectDelete('default/rs1', 'p0');
    expect(e.pendingMs('default/rs1')).toBe(30_000);
    e.observe('default/rs1', 'p1', false);
    expect(e.pendingMs('default/rs1')).toBeDefined();
    e.observe('default/rs1', 'p0', true);
    expect(e.pendingMs('default/rs1')).toBeUndefined();
  });

  it('lets go after the TTL when an event never comes, and at once for a cancelled write', () => {
    let now = T0;
    const e = new Expectations(() => now, 30_000);
    e.expectAdd('default/rs1', 'lost');
    now += 30_000;
    expect(e.pendingMs('default/rs1')).toBeUndefined();
    e.expectAdd('default/rs2', 'failed');
    e.cancel('default/rs2', 'failed');
    expect(e.pendingMs('default/rs2')).toBeUndefined();
  });
});
