// Test fixtures for the workload planners: Deployments, nodes and pods as
// the store would hold them.
import { NodeLabels, rfc3339, type Deployment, type Node, type Pod } from '@kedge/api';

export const T0 = Date.parse('2026-01-01T00:00:00Z');

export function deployment(spec: Partial<Deployment['spec']> = {}, image = 'web:1'): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', uid: 'd-uid', generation: 1 },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image }] } },
      ...spec,
    },
  };
}

export function node(
  name: string,
  opts: {
    ready?: 'True' | 'False' | 'Unknown';
    since?: number;
    labels?: Record<string, string>;
    taints?: unknown[];
    allocatable?: Record<string, string>;
  } = {},
): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { [NodeLabels.edge]: '', ...opts.labels } },
    spec: { ...(opts.taints ? { taints: opts.taints } : {}) },
    status: {
      conditions: [
        {
          type: 'Ready',
          status: opts.ready ?? 'True',
          lastTransitionTime: rfc3339(new Date(opts.since ?? T0)),
        },
      ],
      ...(opts.allocatable ? { allocatable: opts.allocatable } : {}),
    },
  } as Node;
}

export function pod(
  name: string,
  opts: {
    node?: string;
    owner?: string;
    requests?: Record<string, string>;
    ready?: boolean;
    spec?: Partial<Pod['spec']>;
  } = {},
): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'default',
      uid: `uid-${name}`,
      ...(opts.owner
        ? {
            ownerReferences: [
              {
                apiVersion: 'apps/v1',
                kind: 'ReplicaSet',
                name: opts.owner,
                uid: opts.owner,
                controller: true,
              },
            ],
          }
        : {}),
    },
    spec: {
      containers: [
        { name: 'c', image: 'x', ...(opts.requests ? { resources: { requests: opts.requests } } : {}) },
      ],
      ...(opts.node ? { nodeName: opts.node } : {}),
      ...opts.spec,
    },
    ...(opts.ready !== undefined
      ? {
          status: {
            phase: 'Running',
            conditions: [
              {
                type: 'Ready',
                status: opts.ready ? 'True' : 'False',
                lastTransitionTime: rfc3339(new Date(T0)),
              },
            ],
          },
        }
      : {}),
  } as Pod;
}
