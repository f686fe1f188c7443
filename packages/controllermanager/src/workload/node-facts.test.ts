import type { Node } from '@kedge/api';
import { describe, expect, it } from 'vitest';
import { placementFacts, podRequests } from './node-facts.ts';
import { node, pod, T0 } from './workload-fixtures.ts';

describe('placementFacts', () => {
  it('ignores a heartbeat but not Ready, labels, taints, cordon or allocatable', () => {
    const base = node('n1');
    const beat: Node = structuredClone(base);
    beat.status!.conditions![0]!.lastHeartbeatTime = new Date(T0 + 10_000).toISOString();
    expect(placementFacts(beat)).toBe(placementFacts(base));
    for (const changed of [
      node('n1', { ready: 'False' }),
      node('n1', { labels: { zone: 'a' } }),
      node('n1', { taints: [{ key: 'k', effect: 'NoSchedule' }] }),
      node('n1', { allocatable: { cpu: '2' } }),
      { ...base, spec: { unschedulable: true } },
    ]) {
      expect(placementFacts(changed)).not.toBe(placementFacts(base));
    }
  });
});

describe('podRequests', () => {
  it('sums app containers, takes the largest init container when bigger, and uses limits for missing requests', () => {
    const p = pod('p', {
      spec: {
        containers: [
          { name: 'a', image: 'x', resources: { requests: { cpu: '250m', memory: '64Mi' } } },
          { name: 'b', image: 'x', resources: { limits: { cpu: '500m' } } },
        ],
        initContainers: [{ name: 'i', image: 'x', resources: { requests: { memory: '1Gi' } } }],
      },
    });
    const r = podRequests(p);
    expect(r.get('cpu')).toBeCloseTo(0.75);
    expect(r.get('memory')).toBe(2 ** 30);
  });
});
