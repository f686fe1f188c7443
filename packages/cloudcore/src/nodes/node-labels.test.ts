import { describe, expect, it } from 'vitest';
import { NODE_SET_LABELS_ANNOTATION, registeredLabels } from './node-labels.ts';

const ROLE = { 'node-role.kubernetes.io/edge': '', 'node-role.kubernetes.io/agent': '' };

describe('labels of a registering node', () => {
  it('takes the node-restriction labels and drops the rest', () => {
    const r = registeredLabels({}, { 'kubernetes.io/arch': 'arm64', tier: 'secure' });
    expect(r.labels).toEqual({ ...ROLE, 'kubernetes.io/arch': 'arm64' });
    expect(r.annotations[NODE_SET_LABELS_ANNOTATION]).toBe('kubernetes.io/arch');
    expect(r.refused.map((x) => x.key)).toEqual(['tier']);
  });

  it('lets a node change what it set itself, never what an admin set', () => {
    const stored = {
      labels: { 'kubernetes.io/arch': 'amd64', 'topology.kubernetes.io/zone': 'admin-zone', tier: 'gold' },
      annotations: { [NODE_SET_LABELS_ANNOTATION]: 'kubernetes.io/arch' },
    };
    const r = registeredLabels(stored, {
      'kubernetes.io/arch': 'arm64',
      'topology.kubernetes.io/zone': 'node-zone',
      tier: 'free',
    });
    expect(r.labels).toEqual({
      ...ROLE,
      'kubernetes.io/arch': 'arm64',
      'topology.kubernetes.io/zone': 'admin-zone',
      tier: 'gold',
    });
    expect(r.refused).toEqual([
      { key: 'tier', why: expect.any(String) as string },
      { key: 'topology.kubernetes.io/zone', why: 'set by an admin to "admin-zone"' },
    ]);
    expect(r.annotations[NODE_SET_LABELS_ANNOTATION]).toBe('kubernetes.io/arch');
  });
});
