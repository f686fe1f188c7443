// apps/v1 Deployment: replicas of a pod template, rolled out through
// ReplicaSets (replica-set.ts). In embedded mode controllermanager's workload
// controller runs it; in cluster mode kube-controller-manager does.
import { z } from 'zod';
import { LabelSelectorSchema, ObjectMetaSchema } from './meta.ts';
import { checkSelectorAndTemplate, PodTemplateSpecSchema } from './pod-template.ts';
import { IntOrStringSchema } from './quantity.ts';

const PERCENT = /^(\d+)%$/;

/** An int or "N%": maxSurge / maxUnavailable. */
const IntOrPercentSchema = IntOrStringSchema.refine(
  (v) => (typeof v === 'number' ? v >= 0 : PERCENT.test(v)),
  'must be a non-negative integer or a percentage such as "25%"',
);

const DeploymentStrategyType = { RollingUpdate: 'RollingUpdate', Recreate: 'Recreate' } as const;

const DeploymentStrategySchema = z.looseObject({
  type: z.enum(DeploymentStrategyType).optional(),
  rollingUpdate: z
    .looseObject({ maxSurge: IntOrPercentSchema.optional(), maxUnavailable: IntOrPercentSchema.optional() })
    .optional(),
});

const DeploymentConditionSchema = z.looseObject({
  type: z.string().min(1),
  status: z.enum(['True', 'False', 'Unknown']),
  lastUpdateTime: z.string().optional(),
  lastTransitionTime: z.string().optional(),
  reason: z.string().optional(),
  message: z.string().optional(),
});

const count = z.number().int().min(0);

const DeploymentSpecSchema = z
  .looseObject({
    replicas: count.optional(),
    selector: LabelSelectorSchema,
    template: PodTemplateSpecSchema,
    strategy: DeploymentStrategySchema.optional(),
    minReadySeconds: count.optional(),
    revisionHistoryLimit: count.optional(),
    progressDeadlineSeconds: z.number().int().min(1).optional(),
    paused: z.boolean().optional(),
  })
  .superRefine((spec, ctx) => {
    checkSelectorAndTemplate(spec, ctx);
    const s = spec.strategy;
    if (s?.type === 'Recreate' && s.rollingUpdate !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['strategy', 'rollingUpdate'],
        message: 'may not be specified when strategy `type` is "Recreate"',
      });
    }
    const ru = s?.rollingUpdate;
    if (ru && isZero(ru.maxSurge ?? '25%') && isZero(ru.maxUnavailable ?? '25%')) {
      ctx.addIssue({
        code: 'custom',
        path: ['strategy', 'rollingUpdate', 'maxUnavailable'],
        message: 'may not be 0 when `maxSurge` is 0',
      });
    }
  });

function isZero(v: number | string): boolean {
  return v === 0 || v === '0%';
}

const DeploymentStatusSchema = z.looseObject({
  observedGeneration: z.number().int().optional(),
  replicas: count.optional(),
  updatedReplicas: count.optional(),
  readyReplicas: count.optional(),
  availableReplicas: count.optional(),
  unavailableReplicas: count.optional(),
  conditions: z.array(DeploymentConditionSchema).optional(),
  collisionCount: count.optional(),
});

export const DeploymentSchema = z.looseObject({
  apiVersion: z.literal('apps/v1'),
  kind: z.literal('Deployment'),
  metadata: ObjectMetaSchema,
  spec: DeploymentSpecSchema,
  status: DeploymentStatusSchema.optional(),
});

export type Deployment = z.infer<typeof DeploymentSchema>;
export type DeploymentStatus = z.infer<typeof DeploymentStatusSchema>;
export type DeploymentCondition = z.infer<typeof DeploymentConditionSchema>;
