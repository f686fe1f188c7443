// core/v1 Node: the subset kedge reads and writes. Loose objects keep the
// fields a real API server adds.
import { z } from 'zod';
import { ObjectMetaSchema } from './meta.ts';

export const NodeConditionSchema = z.looseObject({
  type: z.string(),
  status: z.enum(['True', 'False', 'Unknown']),
  lastHeartbeatTime: z.string().optional(),
  lastTransitionTime: z.string().optional(),
  reason: z.string().optional(),
  message: z.string().optional(),
});

const NodeAddressSchema = z.object({ type: z.string(), address: z.string() });

const NodeSystemInfoSchema = z.looseObject({
  machineID: z.string().optional(),
  systemUUID: z.string().optional(),
  bootID: z.string().optional(),
  kernelVersion: z.string().optional(),
  osImage: z.string().optional(),
  containerRuntimeVersion: z.string().optional(),
  kubeletVersion: z.string().optional(),
  kubeProxyVersion: z.string().optional(),
  operatingSystem: z.string().optional(),
  architecture: z.string().optional(),
});

export const NodeSchema = z.object({
  apiVersion: z.literal('v1'),
  kind: z.literal('Node'),
  metadata: ObjectMetaSchema,
  spec: z.looseObject({ unschedulable: z.boolean().optional() }).optional(),
  status: z
    .looseObject({
      conditions: z.array(NodeConditionSchema).optional(),
      addresses: z.array(NodeAddressSchema).optional(),
      nodeInfo: NodeSystemInfoSchema.optional(),
      capacity: z.record(z.string(), z.string()).optional(),
      allocatable: z.record(z.string(), z.string()).optional(),
    })
    .optional(),
});

export type Node = z.infer<typeof NodeSchema>;
export type NodeCondition = z.infer<typeof NodeConditionSchema>;

export const NodeLabels = {
  edge: 'node-role.kubernetes.io/edge',
  agent: 'node-role.kubernetes.io/agent',
  belongingTo: 'apps.kubeedge.io/belonging-to',
} as const;

export const NodeAnnotations = {
  /** Which cloudcore replica holds the node's session (KubeEdge: replica IP). */
  cloudcore: 'cloudcore',
  /** edgecore version, as the node reported it on connect. */
  edgecoreVersion: 'kedge.io/edgecore-version',
} as const;

export function isEdgeNode(node: Node): boolean {
  return node.metadata.labels?.[NodeLabels.edge] === '';
}

export function nodeReadyCondition(node: Node): z.infer<typeof NodeConditionSchema> | undefined {
  return node.status?.conditions?.find((c) => c.type === 'Ready');
}

export function isNodeReady(node: Node): boolean {
  return nodeReadyCondition(node)?.status === 'True';
}
