import { describe, expect, it } from 'vitest';
import { NodeLoad } from './node-load.ts';
import { feasibleNodesToFind, placePod } from './plan-placement.ts';
import { node, pod } from './workload-fixtures.ts';

describe('NodeLoad', () => {
  it('counts pods, requests and owners per node from pod events', () => {
    const load = new NodeLoad();
    load.apply(pod('a', { node: 'n1', owner: 'rs1', requests: { cpu: '500m' } }), false);
    load.apply(pod('b', { node: 'n1', requests: { cpu: '250m' } }), false);
    load.apply(pod('c'), false); // unbound: on no node
    const u = load.usage('n1');
    expect(u.pods).toBe(2);
    expect(u.requests.get('cpu')).toBeCloseTo(0.75);
    expect(u.byOwner.get('rs1')).toBe(1);
    load.apply(pod('a', { node: 'n1', owner: 'rs1', requests: { cpu: '500m' } }), true);
    expect(load.usage('n1').pods).toBe(1);
    expect(load.usage('n1').byOwner.get('rs1') ?? 0).toBe(0);
  });

  it('counts an assumed binding until the cache shows the pod bound (or deleted), never twice', () => {
    const load = new NodeLoad();
    const p = pod('a', { requests: { memory: '1Gi' } });
    load.assume(p, 'n1');
    load.apply(p, false); // a status event from before the binding: still counted on n1
    expect(load.usage('n1').pods).toBe(1);
    load.apply({ ...p, spec: { ...p.spec, nodeName: 'n1' } }, false);
    expect(load.usage('n1').pods).toBe(1);
    expect(load.usage('n1').requests.get('memory')).toBe(2 ** 30);
    load.apply(p, true);
    expect(load.usage('n1').pods).toBe(0);
  });

  it('does not count terminal pods', () => {
    const load = new NodeLoad();
    load.apply({ ...pod('a', { node: 'n1' }), status: { phase: 'Succeeded' } }, false);
    expect(load.usage('n1').pods).toBe(0);
  });
});

describe('placePod sampling (kube-scheduler percentageOfNodesToScore)', () => {
  it.each([
    [50, 50],
    [100, 100],
    [1000, 420],
    [5000, 500],
    [10000, 500],
  ])('%d nodes: stops after %d feasible ones', (nodes, want) => {
    expect(feasibleNodesToFind(nodes)).toBe(want);
  });

  it('looks at part of a large cluster, starting where the caller says', () => {
    const nodes = Array.from({ length: 1000 }, (_, i) => node(`n${String(i).padStart(4, '0')}`));
    const empty = new NodeLoad();
    const first = placePod(pod('p'), nodes, (n) => empty.usage(n), 0);
    expect(first).toEqual({ type: 'bind', nodeName: 'n0000', evaluated: 420 });
    const next = placePod(pod('q'), nodes, (n) => empty.usage(n), 420);
    expect(next).toEqual({ type: 'bind', nodeName: 'n0420', evaluated: 420 });
  });

  it('still looks at every node before calling a pod unschedulable', () => {
    const nodes = Array.from({ length: 1000 }, (_, i) => node(`n${i}`, { ready: 'False' }));
    const empty = new NodeLoad();
    expect(placePod(pod('p'), nodes, (n) => empty.usage(n))).toEqual({
      type: 'unschedulable',
      message: '0/1000 nodes are available: 1000 node(s) were not Ready.',
    });
  });
});
