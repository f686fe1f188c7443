import { describe, expect, it } from 'vitest';
import { LAST_APPLIED_ANNOTATION, appliedConfiguration, lastApplied, threeWayMerge } from './apply-merge.ts';

const manifest = {
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name: 'edge-1', resourceVersion: '7', uid: 'old', labels: { zone: 'a', tier: 'edge' } },
  spec: { unschedulable: false },
  status: { conditions: [] },
};

describe('appliedConfiguration', () => {
  it('drops status and server metadata and records itself in the last-applied annotation', () => {
    const applied = appliedConfiguration(manifest);
    expect(applied.status).toBeUndefined();
    const metadata = applied.metadata as Record<string, unknown>;
    expect(metadata.resourceVersion).toBeUndefined();
    expect(metadata.uid).toBeUndefined();
    expect(lastApplied(applied)).toEqual({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'edge-1', labels: { zone: 'a', tier: 'edge' } },
      spec: { unschedulable: false },
    });
  });
});

describe('threeWayMerge', () => {
  const stored = {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: 'edge-1',
      resourceVersion: '12',
      uid: 'u-1',
      creationTimestamp: '2025-01-01T00:00:00Z',
      labels: { zone: 'a', tier: 'edge', 'apps.kubeedge.io/belonging-to': 'g1' },
      annotations: { [LAST_APPLIED_ANNOTATION]: '' },
    },
    spec: { unschedulable: false },
    status: { conditions: [{ type: 'Ready', status: 'True' }] },
  };
  const first = appliedConfiguration(manifest);
  stored.metadata.annotations[LAST_APPLIED_ANNOTATION] = (
    first.metadata as { annotations: Record<string, string> }
  ).annotations[LAST_APPLIED_ANNOTATION] as string;

  it('removes what the previous apply set and the manifest dropped, keeps what others set', () => {
    const next = appliedConfiguration({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'edge-1', labels: { zone: 'b' } },
    });
    const merged = threeWayMerge(lastApplied(stored), stored, next) as typeof stored;
    expect(merged.metadata.labels).toEqual({ zone: 'b', 'apps.kubeedge.io/belonging-to': 'g1' });
    expect(merged.spec).toBeUndefined();
    expect(merged.metadata.resourceVersion).toBe('12');
    expect(merged.metadata.uid).toBe('u-1');
    expect(merged.status).toEqual(stored.status);
  });

  it('changes nothing when the manifest is applied again', () => {
    const again = threeWayMerge(lastApplied(stored), stored, appliedConfiguration(manifest));
    expect(again).toEqual(stored);
  });

  it('replaces lists whole and removes a field set to null', () => {
    const merged = threeWayMerge(
      undefined,
      { a: [1, 2, 3], b: { c: 1, d: 2 }, metadata: {} },
      {
        a: [9],
        b: { c: null },
        metadata: {},
      },
    );
    expect(merged).toEqual({ a: [9], b: { d: 2 }, metadata: {} });
  });

  it('treats an unreadable annotation as none', () => {
    expect(
      lastApplied({ metadata: { annotations: { [LAST_APPLIED_ANNOTATION]: '{nope' } } }),
    ).toBeUndefined();
  });
});
