// apps/v1 ReplicaSet: keeps `replicas` pods of one template running. A
// Deployment owns one per template revision (label pod-template-hash).
import { z } from 'zod';
import { LabelSelectorSchema, ObjectMetaSchema } from './meta.ts';
import { checkSelectorAndTemplate, PodTemplateSpecSchema } from './pod-template.ts';

const count = z.number().int().min(0);

const ReplicaSetSpecSchema = z
  .looseObject({
    replicas: count.optional(),
    minReadySeconds: count.optional(),
    selector: LabelSelectorSchema,
    template: PodTemplateSpecSchema,
  })
  .superRefine(checkSelectorAndTemplate);

const ReplicaSetStatusSchema = z.looseObject({
  replicas: count,
  fullyLabeledReplicas: count.optional(),
  readyReplicas: count.optional(),
  availableReplicas: count.optional(),
  observedGeneration: z.number().int().optional(),
  conditions: z
    .array(
      z.looseObject({
        type: z.string(),
        status: z.enum(['True', 'False', 'Unknown']),
        reason: z.string().optional(),
        message: z.string().optional(),
        lastTransitionTime: z.string().optional(),
      }),
    )
    .optional(),
});

export const ReplicaSetSchema = z.looseObject({
  apiVersion: z.literal('apps/v1'),
  kind: z.literal('ReplicaSet'),
  metadata: ObjectMetaSchema,
  spec: ReplicaSetSpecSchema,
  status: ReplicaSetStatusSchema.optional(),
});

export type ReplicaSet = z.infer<typeof ReplicaSetSchema>;
export type ReplicaSetStatus = z.infer<typeof ReplicaSetStatusSchema>;
