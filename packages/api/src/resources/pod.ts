// core/v1 Pod: spec in pod-spec.ts; status as kubelet (edged) writes it.
import { z } from 'zod';
import { ObjectMetaSchema } from './meta.ts';
import { PodSpecSchema } from './pod-spec.ts';

const PodPhase = {
  Pending: 'Pending',
  Running: 'Running',
  Succeeded: 'Succeeded',
  Failed: 'Failed',
  Unknown: 'Unknown',
} as const;
type PodPhase = (typeof PodPhase)[keyof typeof PodPhase];

const PodConditionType = {
  PodScheduled: 'PodScheduled',
  Initialized: 'Initialized',
  ContainersReady: 'ContainersReady',
  Ready: 'Ready',
} as const;

const PodConditionSchema = z.looseObject({
  type: z.string().min(1),
  status: z.enum(['True', 'False', 'Unknown']),
  lastProbeTime: z.string().nullable().optional(),
  lastTransitionTime: z.string().optional(),
  reason: z.string().optional(),
  message: z.string().optional(),
});

const ContainerStateSchema = z.looseObject({
  waiting: z.looseObject({ reason: z.string().optional(), message: z.string().optional() }).optional(),
  running: z.looseObject({ startedAt: z.string().optional() }).optional(),
  terminated: z
    .looseObject({
      exitCode: z.number().int(),
      signal: z.number().int().optional(),
      reason: z.string().optional(),
      message: z.string().optional(),
      startedAt: z.string().optional(),
      finishedAt: z.string().optional(),
      containerID: z.string().optional(),
    })
    .optional(),
});

const ContainerStatusSchema = z.looseObject({
  name: z.string().min(1),
  state: ContainerStateSchema.optional(),
  lastState: ContainerStateSchema.optional(),
  ready: z.boolean(),
  restartCount: z.number().int().min(0),
  image: z.string(),
  imageID: z.string().optional(),
  containerID: z.string().optional(),
  started: z.boolean().optional(),
});

const PodIPSchema = z.looseObject({ ip: z.string().min(1) });

export const PodStatusSchema = z.looseObject({
  phase: z.enum(PodPhase).optional(),
  conditions: z.array(PodConditionSchema).optional(),
  containerStatuses: z.array(ContainerStatusSchema).optional(),
  initContainerStatuses: z.array(ContainerStatusSchema).optional(),
  podIP: z.string().optional(),
  podIPs: z.array(PodIPSchema).optional(),
  hostIP: z.string().optional(),
  hostIPs: z.array(PodIPSchema).optional(),
  startTime: z.string().optional(),
  reason: z.string().optional(),
  message: z.string().optional(),
});

export const PodSchema = z.looseObject({
  apiVersion: z.literal('v1'),
  kind: z.literal('Pod'),
  metadata: ObjectMetaSchema,
  spec: PodSpecSchema,
  status: PodStatusSchema.optional(),
});

export type Pod = z.infer<typeof PodSchema>;
export type PodStatus = z.infer<typeof PodStatusSchema>;
export type PodCondition = z.infer<typeof PodConditionSchema>;
export type ContainerStatus = z.infer<typeof ContainerStatusSchema>;
export type ContainerState = z.infer<typeof ContainerStateSchema>;

export function podCondition(pod: Pod, type: string): PodCondition | undefined {
  return pod.status?.conditions?.find((c) => c.type === type);
}

/** Kubernetes' rule: a pod is ready when its Ready condition is True. */
export function isPodReady(pod: Pod): boolean {
  return podCondition(pod, PodConditionType.Ready)?.status === 'True';
}
