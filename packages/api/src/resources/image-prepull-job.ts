// ImagePrePullJob (operations.kubeedge.io/v1alpha2, v1alpha1 also served):
// pulls images through each selected node's container runtime ahead of use.
import { z } from 'zod';
import { ImageReferenceSchema } from './image-reference.ts';
import { ObjectMetaSchema } from './meta.ts';
import {
  CheckItemSchema,
  ConditionStatusSchema,
  NODE_TASK_GROUP,
  TimestampSchema,
  jobStatusShape,
  nodeSelectionShape,
  nodeTaskStatusShape,
  oneSelectorRule,
  requireOneSelector,
  rolloutShape,
  v1alpha1JobStatusShape,
} from './node-task-common.ts';

/** `<namespace>/<name>` of a Secret. */
const SECRET_REF_PATTERN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?\/[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

export const ImagePrePullTemplateSchema = z
  .strictObject({
    images: z
      .array(ImageReferenceSchema)
      .min(1, 'must list at least one image')
      .describe('The images to pull.'),
    ...nodeSelectionShape,
    checkItems: z.array(CheckItemSchema).optional().describe('Pre-checks on the node: cpu, mem, disk.'),
    ...rolloutShape,
    imageSecrets: z
      .string()
      .regex(SECRET_REF_PATTERN, 'must be "<namespace>/<name>" of a Secret')
      .optional()
      .describe('Pull secret as "<namespace>/<name>" (one Secret, as KubeEdge).'),
    retryTimes: z
      .number()
      .int('must be an integer')
      .min(0, 'must not be negative')
      .max(2_147_483_647)
      .optional()
      .describe('Extra attempts for images that failed to pull. Default 0.'),
  })
  .superRefine(requireOneSelector)
  .meta({ 'x-kubernetes-validations': [oneSelectorRule] });

const ImagePrePullJobSpecSchema = z.strictObject({
  imagePrePullTemplate: ImagePrePullTemplateSchema,
});

const ImageStatusSchema = z.strictObject({
  image: z.string(),
  status: ConditionStatusSchema,
  reason: z.string().optional().describe('Why the pull failed.'),
});
export type ImageStatus = z.infer<typeof ImageStatusSchema>;

const ImagePrePullNodeStatusSchema = z.strictObject({
  ...nodeTaskStatusShape,
  imageStatus: z.array(ImageStatusSchema).optional().describe('One entry per image, from the last attempt.'),
  action: z.string().optional().describe('Deprecated: last action (v1alpha1).'),
});

/** v1alpha1's per-node entry, kept (deprecated) under `status.status[]`. */
const V1alpha1PrePullStatusSchema = z.strictObject({
  nodeStatus: z
    .strictObject({
      nodeName: z.string().optional(),
      state: z.string().optional(),
      event: z.string().optional(),
      action: z.string().optional(),
      reason: z.string().optional(),
      time: z.string().optional(),
      startTime: TimestampSchema.optional().describe(
        'When a cloudcore sent the node its current stage (kedge, v1alpha1 mode).',
      ),
      dispatchedBy: z.string().optional().describe('The cloudcore replica that sent it (kedge).'),
    })
    .optional(),
  imageStatus: z
    .array(
      z.strictObject({
        image: z.string().optional(),
        state: z.string().optional(),
        reason: z.string().optional(),
      }),
    )
    .optional(),
});

const ImagePrePullJobStatusSchema = z.strictObject({
  ...jobStatusShape,
  nodeStatus: z.array(ImagePrePullNodeStatusSchema).optional(),
  ...v1alpha1JobStatusShape,
  status: z.array(V1alpha1PrePullStatusSchema).optional().describe('Deprecated (v1alpha1).'),
});

export const ImagePrePullJobSchema = z.strictObject({
  apiVersion: z.enum([`${NODE_TASK_GROUP}/v1alpha2`, `${NODE_TASK_GROUP}/v1alpha1`]),
  kind: z.literal('ImagePrePullJob'),
  metadata: ObjectMetaSchema,
  spec: ImagePrePullJobSpecSchema,
  status: ImagePrePullJobStatusSchema.optional(),
});

export type ImagePrePullJob = z.infer<typeof ImagePrePullJobSchema>;
export type ImagePrePullTemplate = z.infer<typeof ImagePrePullTemplateSchema>;
export type ImagePrePullNodeStatus = z.infer<typeof ImagePrePullNodeStatusSchema>;
