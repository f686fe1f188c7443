// A task's spec, validated for its kind when an action needs it: a bad spec
// fails the action with every `spec.<field>: problem`.
import {
  ConfigUpdateJobSpecSchema,
  ImagePrePullTemplateSchema,
  KedgeError,
  NodeUpgradeJobSpecSchema,
  describeIssues,
  type ConfigUpdateJobSpec,
  type ImagePrePullTemplate,
  type NodeUpgradeJobSpec,
} from '@kedge/api';
import { z } from 'zod';
import type { TaskRecord } from '../task-types.ts';

function parse<T>(schema: z.ZodType<T>, task: TaskRecord): T {
  const result = schema.safeParse(task.spec);
  if (result.success) return result.data;
  const problems = describeIssues(result.error).map((p) => `spec.${p}`.replace('spec.(root)', 'spec'));
  throw new KedgeError('KEDGE_TASK_INVALID', `invalid ${task.type} spec: ${problems.join('; ')}`, {
    job: task.job,
    node: task.node,
    fields: problems,
  });
}

// Selecting nodes is the cloud's business: the task it sends leaves nodeNames
// and labelSelector out (this node is the target), so the edge checks every
// other field but not the one-selector rule.
const EdgeUpgradeSpecSchema = z.strictObject(NodeUpgradeJobSpecSchema.shape);
const EdgeConfigUpdateSpecSchema = z.strictObject(ConfigUpdateJobSpecSchema.shape);

export function nodeUpgradeSpec(task: TaskRecord): NodeUpgradeJobSpec {
  return parse(EdgeUpgradeSpecSchema, task);
}

export function configUpdateSpec(task: TaskRecord): ConfigUpdateJobSpec {
  return parse(EdgeConfigUpdateSpecSchema, task);
}

/** ImagePrePullJob's spec, likewise without the node-selection rule. */
const EdgePrePullSpecSchema = z.strictObject({
  imagePrePullTemplate: z.strictObject(ImagePrePullTemplateSchema.shape),
});

/** An ImagePrePullJob's `spec.imagePrePullTemplate`. */
export function imagePrePullTemplate(task: TaskRecord): ImagePrePullTemplate {
  return parse(EdgePrePullSpecSchema, task).imagePrePullTemplate;
}
