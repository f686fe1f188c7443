// Every resource kind kedge serves, in one table: its group, versions, scope,
// names and the schema that is at once its TypeScript type, its runtime
// validation (store, kedgectl, wire) and its CRD (configs/crds/).
import type { z } from 'zod';
import { ConfigMapSchema } from './resources/config-map.ts';
import { ConfigUpdateJobSchema } from './resources/config-update-job.ts';
import { EdgeApplicationSchema } from './resources/edge-application.ts';
import { EventSchema } from './resources/event.ts';
import { LeaseSchema } from './resources/lease.ts';
import { ImagePrePullJobSchema } from './resources/image-prepull-job.ts';
import { NODE_TASK_GROUP } from './resources/node-task-common.ts';
import { NodeGroupSchema, APPS_GROUP } from './resources/node-group.ts';
import { NodeUpgradeJobSchema } from './resources/node-upgrade-job.ts';
import { NodeSchema } from './resources/node.ts';
import { DeploymentSchema } from './resources/deployment.ts';
import { PodSchema } from './resources/pod.ts';
import { K8S_APPS_GROUP } from './resources/pod-template.ts';
import { ReplicaSetSchema } from './resources/replica-set.ts';
import { SecretSchema } from './resources/secret.ts';
import { DISCOVERY_GROUP, EndpointSliceSchema, EndpointsSchema, ServiceSchema } from './resources/service.ts';

export interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  jsonPath: string;
  description?: string;
  priority?: number;
}

export interface ResourceKind<S extends z.ZodType = z.ZodType> {
  /** '' for the core group. */
  readonly group: string;
  /** The storage version; objects are stored and returned at this version. */
  readonly version: string;
  /** Other versions accepted on input (same schema, no conversion). */
  readonly alsoServed: readonly string[];
  readonly kind: string;
  readonly plural: string;
  readonly singular: string;
  readonly scope: 'Cluster' | 'Namespaced';
  readonly shortNames: readonly string[];
  readonly schema: S;
  readonly statusSubresource: boolean;
  readonly printerColumns: readonly PrinterColumn[];
  /** Whether kedge ships a CRD for it (false for built-in kinds like Node). */
  readonly crd: boolean;
  /** One line for the CRD and `kubectl explain`. */
  readonly description?: string;
}

function defineKind<S extends z.ZodType>(k: ResourceKind<S>): ResourceKind<S> {
  return Object.freeze(k);
}

export const kinds = {
  Node: defineKind({
    group: '',
    version: 'v1',
    alsoServed: [],
    kind: 'Node',
    plural: 'nodes',
    singular: 'node',
    scope: 'Cluster',
    shortNames: ['no'],
    schema: NodeSchema,
    statusSubresource: true,
    printerColumns: [],
    crd: false,
  }),
  Event: defineKind({
    group: '',
    version: 'v1',
    alsoServed: [],
    kind: 'Event',
    plural: 'events',
    singular: 'event',
    scope: 'Namespaced',
    shortNames: ['ev'],
    schema: EventSchema,
    statusSubresource: false,
    printerColumns: [],
    crd: false,
  }),
  Secret: defineKind({
    group: '',
    version: 'v1',
    alsoServed: [],
    kind: 'Secret',
    plural: 'secrets',
    singular: 'secret',
    scope: 'Namespaced',
    shortNames: [],
    schema: SecretSchema,
    statusSubresource: false,
    printerColumns: [],
    crd: false,
  }),
  ConfigMap: defineKind({
    group: '',
    version: 'v1',
    alsoServed: [],
    kind: 'ConfigMap',
    plural: 'configmaps',
    singular: 'configmap',
    scope: 'Namespaced',
    shortNames: ['cm'],
    schema: ConfigMapSchema,
    statusSubresource: false,
    printerColumns: [],
    crd: false,
  }),
  Lease: defineKind({
    group: 'coordination.k8s.io',
    version: 'v1',
    alsoServed: [],
    kind: 'Lease',
    plural: 'leases',
    singular: 'lease',
    scope: 'Namespaced',
    shortNames: [],
    schema: LeaseSchema,
    statusSubresource: false,
    printerColumns: [],
    crd: false,
  }),
  Pod: defineKind({
    group: '',
    version: 'v1',
    alsoServed: [],
    kind: 'Pod',
    plural: 'pods',
    singular: 'pod',
    scope: 'Namespaced',
    shortNames: ['po'],
    schema: PodSchema,
    statusSubresource: true,
    printerColumns: [
      { name: 'Status', type: 'string', jsonPath: '.status.phase' },
      { name: 'IP', type: 'string', jsonPath: '.status.podIP', priority: 1 },
      { name: 'Node', type: 'string', jsonPath: '.spec.nodeName', priority: 1 },
      { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
    ],
    crd: false,
  }),
  Service: defineKind({
    group: '',
    version: 'v1',
    alsoServed: [],
    kind: 'Service',
    plural: 'services',
    singular: 'service',
    scope: 'Namespaced',
    shortNames: ['svc'],
    schema: ServiceSchema,
    statusSubresource: true,
    printerColumns: [
      { name: 'Type', type: 'string', jsonPath: '.spec.type' },
      { name: 'Cluster-IP', type: 'string', jsonPath: '.spec.clusterIP' },
      { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
    ],
    crd: false,
  }),
  Endpoints: defineKind({
    group: '',
    version: 'v1',
    alsoServed: [],
    kind: 'Endpoints',
    plural: 'endpoints',
    singular: 'endpoints',
    scope: 'Namespaced',
    shortNames: ['ep'],
    schema: EndpointsSchema,
    statusSubresource: false,
    printerColumns: [],
    crd: false,
  }),
  EndpointSlice: defineKind({
    group: DISCOVERY_GROUP,
    version: 'v1',
    alsoServed: [],
    kind: 'EndpointSlice',
    plural: 'endpointslices',
    singular: 'endpointslice',
    scope: 'Namespaced',
    shortNames: [],
    schema: EndpointSliceSchema,
    statusSubresource: false,
    printerColumns: [
      { name: 'AddressType', type: 'string', jsonPath: '.addressType' },
      { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
    ],
    crd: false,
  }),
  Deployment: defineKind({
    group: K8S_APPS_GROUP,
    version: 'v1',
    alsoServed: [],
    kind: 'Deployment',
    plural: 'deployments',
    singular: 'deployment',
    scope: 'Namespaced',
    shortNames: ['deploy'],
    schema: DeploymentSchema,
    statusSubresource: true,
    printerColumns: [
      { name: 'Desired', type: 'integer', jsonPath: '.spec.replicas' },
      { name: 'Ready', type: 'integer', jsonPath: '.status.readyReplicas' },
      { name: 'Up-to-date', type: 'integer', jsonPath: '.status.updatedReplicas' },
      { name: 'Available', type: 'integer', jsonPath: '.status.availableReplicas' },
      { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
    ],
    crd: false,
  }),
  ReplicaSet: defineKind({
    group: K8S_APPS_GROUP,
    version: 'v1',
    alsoServed: [],
    kind: 'ReplicaSet',
    plural: 'replicasets',
    singular: 'replicaset',
    scope: 'Namespaced',
    shortNames: ['rs'],
    schema: ReplicaSetSchema,
    statusSubresource: true,
    printerColumns: [
      { name: 'Desired', type: 'integer', jsonPath: '.spec.replicas' },
      { name: 'Current', type: 'integer', jsonPath: '.status.replicas' },
      { name: 'Ready', type: 'integer', jsonPath: '.status.readyReplicas' },
      { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
    ],
    crd: false,
  }),
  NodeUpgradeJob: defineKind({
    group: NODE_TASK_GROUP,
    version: 'v1alpha2',
    alsoServed: ['v1alpha1'],
    kind: 'NodeUpgradeJob',
    plural: 'nodeupgradejobs',
    singular: 'nodeupgradejob',
    scope: 'Cluster',
    shortNames: ['nuj'],
    schema: NodeUpgradeJobSchema,
    statusSubresource: true,
    printerColumns: [
      { name: 'Version', type: 'string', jsonPath: '.spec.version', description: 'Target edgecore version.' },
      ...jobColumns(),
    ],
    crd: true,
    description: 'Upgrades edgecore on a set of edge nodes.',
  }),
  ImagePrePullJob: defineKind({
    group: NODE_TASK_GROUP,
    version: 'v1alpha2',
    alsoServed: ['v1alpha1'],
    kind: 'ImagePrePullJob',
    plural: 'imageprepulljobs',
    singular: 'imageprepulljob',
    scope: 'Cluster',
    shortNames: ['ipj'],
    schema: ImagePrePullJobSchema,
    statusSubresource: true,
    printerColumns: jobColumns(),
    crd: true,
    description: 'Pulls container images on a set of edge nodes ahead of use.',
  }),
  ConfigUpdateJob: defineKind({
    group: NODE_TASK_GROUP,
    version: 'v1alpha2',
    alsoServed: [],
    kind: 'ConfigUpdateJob',
    plural: 'configupdatejobs',
    singular: 'configupdatejob',
    scope: 'Cluster',
    shortNames: ['cuj'],
    schema: ConfigUpdateJobSchema,
    statusSubresource: true,
    printerColumns: jobColumns(),
    crd: true,
    description: 'Changes fields of edgecore.yaml on a set of edge nodes.',
  }),
  NodeGroup: defineKind({
    group: APPS_GROUP,
    version: 'v1alpha1',
    alsoServed: [],
    kind: 'NodeGroup',
    plural: 'nodegroups',
    singular: 'nodegroup',
    scope: 'Cluster',
    shortNames: ['ng'],
    schema: NodeGroupSchema,
    statusSubresource: true,
    printerColumns: [],
    crd: true,
    description: 'A named set of edge nodes, selected by name or labels.',
  }),
  EdgeApplication: defineKind({
    group: APPS_GROUP,
    version: 'v1alpha1',
    alsoServed: [],
    kind: 'EdgeApplication',
    plural: 'edgeapplications',
    singular: 'edgeapplication',
    scope: 'Namespaced',
    shortNames: ['eapp'],
    schema: EdgeApplicationSchema,
    statusSubresource: true,
    printerColumns: [],
    crd: true,
    description: 'A workload template deployed to several node groups, each with its own overrides.',
  }),
} as const;

/** PHASE, PROGRESS (status.progress, kept by controllermanager), REASON (wide), AGE. */
function jobColumns(): PrinterColumn[] {
  return [
    {
      name: 'Phase',
      type: 'string',
      jsonPath: '.status.phase',
      description: 'Init, InProgress, Completed or Failure.',
    },
    {
      name: 'Progress',
      type: 'string',
      jsonPath: '.status.progress',
      description: 'Finished nodes out of all, and how many of them failed.',
    },
    {
      name: 'Reason',
      type: 'string',
      jsonPath: '.status.reason',
      priority: 1,
      description: 'Why the job failed.',
    },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ];
}

export type KindName = keyof typeof kinds;
export type ResourceOf<K extends KindName> = z.infer<(typeof kinds)[K]['schema']>;
export type AnyResource = ResourceOf<KindName>;

export function apiVersionOf(k: ResourceKind, version = k.version): string {
  return k.group === '' ? version : `${k.group}/${version}`;
}

export function isKindName(name: string): name is KindName {
  return Object.hasOwn(kinds, name);
}

/** Finds a kind by any of: Kind, plural, singular, short name, `plural.group` (case-insensitive). */
export function findKind(word: string): KindName | undefined {
  const w = word.toLowerCase();
  for (const [name, k] of Object.entries(kinds) as [KindName, ResourceKind][]) {
    const names = [k.kind.toLowerCase(), k.plural, k.singular, ...k.shortNames, `${k.plural}.${k.group}`];
    if (names.includes(w)) return name;
  }
  return undefined;
}

/** The kind an object declares by apiVersion + kind, if kedge serves it. */
export function kindOfObject(apiVersion: string, kind: string): KindName | undefined {
  if (!isKindName(kind)) return undefined;
  const k: ResourceKind = kinds[kind];
  const versions = [k.version, ...k.alsoServed].map((v) => apiVersionOf(k, v));
  return versions.includes(apiVersion) ? kind : undefined;
}
