// NodeGroup (apps.kubeedge.io/v1alpha1, cluster-scoped): a named set of nodes,
// picked by name and/or labels. Members get the label
// apps.kubeedge.io/belonging-to=<group>; a node belongs to at most one group.
import { z } from 'zod';
import { ObjectMetaSchema } from './meta.ts';
import { NodeNameSchema } from './node-task-common.ts';

export const APPS_GROUP = 'apps.kubeedge.io';

const NodeGroupSpecSchema = z.strictObject({
  nodes: z.array(NodeNameSchema).optional().describe('Nodes that belong to the group by name.'),
  matchLabels: z
    .record(z.string(), z.string())
    .optional()
    .describe('Nodes whose labels match all of these belong to the group too.'),
  topologyEnabled: z
    .boolean()
    .optional()
    .describe('Also label members topology.kubernetes.io/zone=<group>, for topology-aware routing.'),
});

export const NodeReadyStatus = { Ready: 'Ready', NotReady: 'NotReady', Unknown: 'Unknown' } as const;
export type NodeReadyStatus = (typeof NodeReadyStatus)[keyof typeof NodeReadyStatus];
export const SelectionStatus = { Succeeded: 'Succeeded', Failed: 'Failed' } as const;
export type SelectionStatus = (typeof SelectionStatus)[keyof typeof SelectionStatus];

const NodeGroupMemberStatusSchema = z.strictObject({
  nodeName: z.string(),
  readyStatus: z.enum(NodeReadyStatus),
  selectionStatus: z.enum(SelectionStatus),
  selectionStatusReason: z
    .string()
    .optional()
    .describe('Why the node could not join, e.g. it is in another group.'),
});

const NodeGroupStatusSchema = z.strictObject({
  nodeStatuses: z
    .array(NodeGroupMemberStatusSchema)
    .optional()
    .describe('One entry per selected node, by name.'),
});

export const NodeGroupSchema = z.strictObject({
  apiVersion: z.literal(`${APPS_GROUP}/v1alpha1`),
  kind: z.literal('NodeGroup'),
  metadata: ObjectMetaSchema,
  spec: NodeGroupSpecSchema,
  status: NodeGroupStatusSchema.optional(),
});

export type NodeGroup = z.infer<typeof NodeGroupSchema>;
export type NodeGroupMemberStatus = z.infer<typeof NodeGroupMemberStatusSchema>;

/** Node labels the NodeGroup controller writes on members. */
export const NodeGroupLabels = {
  /** The group a node belongs to (at most one). */
  belongingTo: 'apps.kubeedge.io/belonging-to',
  /** Set to the group name when spec.topologyEnabled. */
  topologyZone: 'topology.kubernetes.io/zone',
} as const;

/** Held on every NodeGroup until its members are unlabelled. */
export const NODE_GROUP_FINALIZER = 'apps.kubeedge.io/nodegroup-controller';

/** The Service annotation that limits its endpoints to the caller's node group. */
export const ServiceTopology = {
  annotation: 'apps.kubeedge.io/service-topology',
  rangeNodeGroup: 'range-nodegroup',
} as const;
