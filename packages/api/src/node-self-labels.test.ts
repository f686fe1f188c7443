import { describe, expect, it } from 'vitest';
import { MAX_NODE_SELF_LABELS, nodeSelfLabelProblem, screenNodeSelfLabels } from './node-self-labels.ts';

describe('labels a node may set on itself (NodeRestriction)', () => {
  it.each([
    'kubernetes.io/hostname',
    'kubernetes.io/arch',
    'kubernetes.io/os',
    'beta.kubernetes.io/arch',
    'node.kubernetes.io/instance-type',
    'topology.kubernetes.io/zone',
    'failure-domain.beta.kubernetes.io/region',
    'kubelet.kubernetes.io/anything',
    'node.kubernetes.io/custom',
    'sub.node.kubernetes.io/custom',
  ])('allows %s', (key) => {
    expect(nodeSelfLabelProblem(key)).toBeUndefined();
  });

  it.each([
    'node-restriction.kubernetes.io/trusted',
    'team.node-restriction.kubernetes.io/x',
    'node-role.kubernetes.io/master',
    'kubernetes.io/other',
    'tier',
    'example.com/zone',
  ])('refuses %s', (key) => {
    expect(nodeSelfLabelProblem(key)).toBeDefined();
  });

  it('refuses bad syntax, and bounds count and size', () => {
    const { allowed, refused } = screenNodeSelfLabels({
      'kubernetes.io/arch': 'amd64',
      'kubernetes.io/os': 'not a value!',
      'Node.Kubernetes.io/x': 'y',
      'node.kubernetes.io/-bad': 'y',
      tier: 'gold',
    });
    expect(allowed).toEqual({ 'kubernetes.io/arch': 'amd64' });
    expect(refused.map((r) => r.key)).toEqual([
      'kubernetes.io/os',
      'Node.Kubernetes.io/x',
      'node.kubernetes.io/-bad',
      'tier',
    ]);
    const many = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`node.kubernetes.io/k${i}`, 'v']));
    const bounded = screenNodeSelfLabels(many);
    expect(Object.keys(bounded.allowed)).toHaveLength(MAX_NODE_SELF_LABELS);
    expect(bounded.refused[0]?.why).toBe(`more than ${MAX_NODE_SELF_LABELS} labels`);
  });
});
