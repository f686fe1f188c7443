import { describe, expect, it } from 'vitest';
import type { NodeGroup, Pod } from '@kedge/api';
import { makeNode } from '../../test/cm-harness.ts';
import { podTargetsGroup } from './group-pods.ts';
import { memberLabels, planMembership, releasedLabels, unlabelableReason } from './plan-membership.ts';

const BELONGING = 'apps.kubeedge.io/belonging-to';
const ZONE = 'topology.kubernetes.io/zone';

function group(spec: NodeGroup['spec'], name = 'g1'): NodeGroup {
  return { apiVersion: 'apps.kubeedge.io/v1alpha1', kind: 'NodeGroup', metadata: { name }, spec };
}

describe('planMembership', () => {
  const nodes = [
    makeNode('a', { labels: { region: 'north', tier: 'x' } }),
    makeNode('b', { labels: { region: 'north' } }),
    makeNode('c', { labels: { [BELONGING]: 'g1' } }),
  ];

  it('selects the union of names and all-labels matches, lists missing names once, releases labelled non-members', () => {
    const plan = planMembership(
      group({ nodes: ['b', 'zz', 'zz'], matchLabels: { region: 'north', tier: 'x' } }),
      nodes,
    );
    expect(plan.selected.map((n) => n.metadata.name)).toEqual(['a', 'b']);
    expect(plan.missing).toEqual(['zz']);
    expect(plan.released.map((n) => n.metadata.name)).toEqual(['c']);
  });

  it('an empty matchLabels selects nothing', () => {
    expect(planMembership(group({ matchLabels: {} }), nodes).selected).toEqual([]);
  });
});

describe('member labels', () => {
  it('topology adds the zone; turning it off removes only a zone naming the group', () => {
    expect(memberLabels({ x: '1' }, 'g1', true)).toEqual({ x: '1', [BELONGING]: 'g1', [ZONE]: 'g1' });
    expect(memberLabels({ [ZONE]: 'g1' }, 'g1', false)).toEqual({ [BELONGING]: 'g1' });
    expect(memberLabels({ [ZONE]: 'eu-1a' }, 'g1', false)).toEqual({ [BELONGING]: 'g1', [ZONE]: 'eu-1a' });
    expect(releasedLabels({ [BELONGING]: 'g1', [ZONE]: 'g1', x: '1' }, 'g1')).toEqual({ x: '1' });
  });

  it('a group name that cannot be a label value is reported', () => {
    expect(unlabelableReason('beijing')).toBeUndefined();
    expect(unlabelableReason('a'.repeat(64))).toMatch(/not a valid label value/);
  });
});

describe('podTargetsGroup', () => {
  const base: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p' },
    spec: { containers: [{ name: 'c', image: 'i' }] },
  };
  it('matches the nodeSelector or a required In affinity on the group label, nothing else', () => {
    expect(
      podTargetsGroup({ ...base, spec: { ...base.spec, nodeSelector: { [BELONGING]: 'g1' } } }, 'g1'),
    ).toBe(true);
    expect(
      podTargetsGroup({ ...base, spec: { ...base.spec, nodeSelector: { [BELONGING]: 'g2' } } }, 'g1'),
    ).toBe(false);
    const affinity = (operator: 'In' | 'NotIn') => ({
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [{ matchExpressions: [{ key: BELONGING, operator, values: ['g0', 'g1'] }] }],
        },
      },
    });
    expect(podTargetsGroup({ ...base, spec: { ...base.spec, affinity: affinity('In') } }, 'g1')).toBe(true);
    expect(podTargetsGroup({ ...base, spec: { ...base.spec, affinity: affinity('NotIn') } }, 'g1')).toBe(
      false,
    );
    expect(podTargetsGroup(base, 'g1')).toBe(false);
  });
});
