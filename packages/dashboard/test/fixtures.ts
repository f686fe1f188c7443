// Objects the dashboard tests put in a real store: edge Nodes with a Ready
// condition and an upgrade job whose status has per-node action flows.
import {
  CONFIRM_ANNOTATION,
  NodeAnnotations,
  type NodeUpgradeJobNodeStatus,
  type ResourceOf,
} from '@kedge/api';
import type { ResourceStore } from '@kedge/store';

export { CONFIRM_ANNOTATION };

export function makeNode(name: string, ready: boolean, owner = 'cloudcore-a'): ResourceOf<'Node'> {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels: { 'node-role.kubernetes.io/edge': '' },
      annotations: { [NodeAnnotations.cloudcore]: owner, [NodeAnnotations.edgecoreVersion]: 'v1.21.0' },
    },
    status: {
      conditions: [
        {
          type: 'Ready',
          status: ready ? 'True' : 'False',
          reason: ready ? 'EdgeReady' : 'EdgeDisconnected',
          message: ready ? 'edgecore is connected' : 'no heartbeat for 40s',
          lastHeartbeatTime: '2026-01-02T03:04:05Z',
        },
      ],
    },
  };
}

export async function createUpgradeJob(
  store: ResourceStore,
  name: string,
  nodeStatus: NodeUpgradeJobNodeStatus[],
): Promise<ResourceOf<'NodeUpgradeJob'>> {
  const created = await store.create('NodeUpgradeJob', {
    apiVersion: 'operations.kubeedge.io/v1alpha2',
    kind: 'NodeUpgradeJob',
    metadata: { name },
    spec: { version: 'v1.22.0', nodeNames: nodeStatus.map((n) => n.nodeName), requireConfirmation: true },
  });
  return store.updateStatus('NodeUpgradeJob', {
    ...created,
    status: { phase: 'InProgress', progress: `0/${nodeStatus.length} done, 0 failed`, nodeStatus },
  });
}

/** edge-1 waits for confirmation after Check; edge-2 has not started. */
export function waitingEntries(): NodeUpgradeJobNodeStatus[] {
  return [
    {
      nodeName: 'edge-1',
      phase: 'InProgress',
      reason: 'waiting for confirmation since 2026-01-02T03:05:00Z',
      startTime: '2026-01-02T03:04:59Z',
      dispatchedBy: 'cloudcore-a',
      actionFlow: [{ action: 'Check', status: 'True', time: '2026-01-02T03:05:00Z' }],
    },
    { nodeName: 'edge-2', phase: 'Pending' },
  ];
}
