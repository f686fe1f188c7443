import { describe, expect, it } from 'vitest';
import type { Node, NodeCondition } from '@kedge/api';
import { staleReadyCondition } from './stale-node.ts';

const T0 = Date.parse('2030-01-01T00:00:00Z');
const GRACE = 40_000;

function node(ready: Partial<NodeCondition> | undefined, edge = true): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: 'e1',
      creationTimestamp: '2030-01-01T00:00:00Z',
      labels: edge ? { 'node-role.kubernetes.io/edge': '' } : {},
      annotations: { cloudcore: 'cc-1' },
    },
    status: ready ? { conditions: [{ type: 'Ready', status: 'True', ...ready }] } : {},
  };
}

describe('staleReadyCondition', () => {
  it('turns a Ready edge node Unknown once its heartbeat is older than the grace period', () => {
    const n = node({ lastHeartbeatTime: '2030-01-01T00:00:00Z', lastTransitionTime: '2029-12-31T00:00:00Z' });
    expect(staleReadyCondition(n, T0 + GRACE, GRACE)).toBeUndefined();
    expect(staleReadyCondition(n, T0 + GRACE + 1000, GRACE)).toEqual({
      type: 'Ready',
      status: 'Unknown',
      reason: 'NodeStatusUnknown',
      message: 'no heartbeat from cloudcore cc-1 since 2030-01-01T00:00:00Z',
      lastHeartbeatTime: '2030-01-01T00:00:00Z',
      lastTransitionTime: '2030-01-01T00:00:41Z',
    });
  });

  it('leaves alone non-edge nodes and nodes already NotReady or Unknown', () => {
    const old = { lastHeartbeatTime: '2029-01-01T00:00:00Z' };
    expect(staleReadyCondition(node(old, false), T0, GRACE)).toBeUndefined();
    expect(staleReadyCondition(node({ ...old, status: 'False' }), T0, GRACE)).toBeUndefined();
    expect(staleReadyCondition(node({ ...old, status: 'Unknown' }), T0, GRACE)).toBeUndefined();
  });

  it('marks a node that never got a Ready condition once it is older than the grace period', () => {
    expect(staleReadyCondition(node(undefined), T0 + 1000, GRACE)).toBeUndefined();
    expect(staleReadyCondition(node(undefined), T0 + GRACE + 1000, GRACE)).toMatchObject({
      status: 'Unknown',
      reason: 'NodeStatusNeverUpdated',
      message: 'no heartbeat from cloudcore cc-1 since the node was created at 2030-01-01T00:00:00Z',
    });
  });
});
