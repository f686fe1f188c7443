// One object of every kind the store serves, each carrying a status a user
// could put in a manifest: what a controller would otherwise have observed
// (a Ready node, a job already Completed on a node it never ran on). The
// contract checks that none of it is stored through the main resource.
import { apiVersionOf, kinds, type KindName, type ResourceOf } from '@kedge/api';
import type { TestRun } from './contract-helpers.ts';

const jobStatus = {
  phase: 'Completed',
  nodeStatus: [{ nodeName: 'forged-node', phase: 'Successful' }],
};

const STATUS: Record<KindName, Record<string, unknown>> = {
  Node: { conditions: [{ type: 'Ready', status: 'True' }] },
  Event: { forged: true },
  Secret: { forged: true },
  ConfigMap: { forged: true },
  Lease: { forged: true },
  NodeUpgradeJob: jobStatus,
  ImagePrePullJob: jobStatus,
  ConfigUpdateJob: jobStatus,
  NodeGroup: {
    nodeStatuses: [{ nodeName: 'forged-node', readyStatus: 'Ready', selectionStatus: 'Succeeded' }],
  },
  EdgeApplication: { workloadStatus: [] },
  Pod: { phase: 'Running', podIP: '10.0.0.9', conditions: [{ type: 'Ready', status: 'True' }] },
  Deployment: { replicas: 3, readyReplicas: 3, availableReplicas: 3 },
  ReplicaSet: { replicas: 3, readyReplicas: 3 },
  Service: {
    conditions: [
      {
        type: 'Forged',
        status: 'True',
        reason: 'Forged',
        message: 'forged',
        lastTransitionTime: '2026-01-01T00:00:00Z',
      },
    ],
  },
  Endpoints: { forged: true },
  EndpointSlice: { forged: true },
};

const podSpec = { containers: [{ name: 'app', image: 'nginx:1.27' }] };
const workloadSpec = {
  replicas: 1,
  selector: { matchLabels: { app: 'forged' } },
  template: { metadata: { labels: { app: 'forged' } }, spec: podSpec },
};

function body(kind: KindName): Record<string, unknown> {
  switch (kind) {
    case 'Node':
      return { spec: {} };
    case 'Event':
      return {
        involvedObject: { kind: 'Pod', name: 'p', namespace: 'default' },
        reason: 'ContractTest',
        message: 'forged status',
        type: 'Normal',
      };
    case 'Secret':
      return { type: 'Opaque', data: { k: 'dg==' } };
    case 'ConfigMap':
      return { data: { k: 'v' } };
    case 'Lease':
      return { spec: { holderIdentity: 'someone', leaseDurationSeconds: 15 } };
    case 'NodeUpgradeJob':
      return { spec: { version: 'v1.21.0', nodeNames: ['forged-node'] } };
    case 'ImagePrePullJob':
      return { spec: { imagePrePullTemplate: { images: ['nginx:1.27'], nodeNames: ['forged-node'] } } };
    case 'ConfigUpdateJob':
      return { spec: { updateFields: { 'modules.edgeStream.enable': 'true' }, nodeNames: ['forged-node'] } };
    case 'NodeGroup':
      return { spec: { nodes: ['forged-node'] } };
    case 'EdgeApplication':
      return { spec: { workloadTemplate: { manifests: [] }, workloadScope: { targetNodeGroups: [] } } };
    case 'Pod':
      return { spec: podSpec };
    case 'Deployment':
    case 'ReplicaSet':
      return { spec: workloadSpec };
    case 'Service':
      return { spec: { selector: { app: 'forged' }, ports: [{ port: 80, targetPort: 8080 }] } };
    case 'Endpoints':
      return { subsets: [{ addresses: [{ ip: '10.0.0.9' }], ports: [{ port: 8080 }] }] };
    case 'EndpointSlice':
      return { addressType: 'IPv4', endpoints: [{ addresses: ['10.0.0.9'] }], ports: [{ port: 8080 }] };
  }
}

export interface ForgedStatusCase<K extends KindName = KindName> {
  kind: K;
  /** The object as a user's manifest would have it, status included. */
  object: ResourceOf<K>;
  status: Record<string, unknown>;
}

/** Every served kind (namespaced ones in the store's default namespace), with a forged status. */
export function forgedStatusCases(run: TestRun): ForgedStatusCase[] {
  return (Object.keys(kinds) as KindName[]).map((kind) => ({
    kind,
    status: STATUS[kind],
    object: {
      apiVersion: apiVersionOf(kinds[kind]),
      kind,
      metadata: { name: run.name(`forged-${kind.toLowerCase()}`), labels: run.labels() },
      ...body(kind),
      status: STATUS[kind],
    } as unknown as ResourceOf<KindName>,
  }));
}
