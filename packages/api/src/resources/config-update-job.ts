// ConfigUpdateJob (operations.kubeedge.io/v1alpha2): sets fields of
// edgecore.yaml on a set of nodes. Keys are dotted paths
// (`modules.edgeStream.enable`, `a.b[0].c`); values are strings that the edge
// converts to the field's type. Unlike KubeEdge, a malformed key, a path
// edgecore.yaml does not have, or a value that does not fit its field rejects
// the whole job when it is written (kedgectl, the store), naming the key;
// nothing is skipped on the node.
import { z } from 'zod';
import { updateFieldProblems } from '../config/config-update-fields.ts';
import { ObjectMetaSchema } from './meta.ts';
import {
  NODE_TASK_GROUP,
  jobStatusShape,
  nodeSelectionShape,
  nodeTaskStatusShape,
  oneSelectorRule,
  requireOneSelector,
  rolloutShape,
} from './node-task-common.ts';

/** `name(.name)*` where each name may carry `[index]` suffixes. */
const UPDATE_FIELD_KEY_PATTERN =
  /^[A-Za-z_][A-Za-z0-9_]*(\[[0-9]+\])*(\.[A-Za-z_][A-Za-z0-9_]*(\[[0-9]+\])*)*$/;
const MAX_UPDATE_FIELDS = 64;

const UpdateFieldsSchema = z
  .record(z.string(), z.string({ error: 'must be a string (quote numbers and booleans in YAML)' }))
  .superRefine((fields, ctx) => {
    const keys = Object.keys(fields);
    if (keys.length === 0)
      ctx.addIssue({ code: 'custom', message: 'must set at least one field', input: fields });
    if (keys.length > MAX_UPDATE_FIELDS) {
      ctx.addIssue({
        code: 'custom',
        message: `must set at most ${MAX_UPDATE_FIELDS} fields`,
        input: fields,
      });
    }
    for (const key of keys) {
      if (!UPDATE_FIELD_KEY_PATTERN.test(key)) {
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: 'is not a config path like modules.edgeStream.enable or a.b[0].c',
          input: key,
        });
        continue;
      }
      const value = fields[key];
      if (typeof value !== 'string') continue; // already reported by the value schema
      for (const message of updateFieldProblems(key, value))
        ctx.addIssue({ code: 'custom', path: [key], message, input: value });
    }
  })
  .meta({
    minProperties: 1,
    maxProperties: MAX_UPDATE_FIELDS,
    'x-kubernetes-validations': [
      {
        rule: `self.all(k, k.matches(r'${UPDATE_FIELD_KEY_PATTERN.source}'))`,
        message: 'every key must be a config path like modules.edgeStream.enable or a.b[0].c',
      },
    ],
  })
  .describe('edgecore.yaml paths and their new values, e.g. modules.edgeStream.enable: "true".');

export const ConfigUpdateJobSpecSchema = z
  .strictObject({
    updateFields: UpdateFieldsSchema,
    ...nodeSelectionShape,
    ...rolloutShape,
  })
  .superRefine(requireOneSelector)
  .meta({ 'x-kubernetes-validations': [oneSelectorRule] });

const ConfigUpdateJobNodeStatusSchema = z.strictObject({ ...nodeTaskStatusShape });

const ConfigUpdateJobStatusSchema = z.strictObject({
  ...jobStatusShape,
  nodeStatus: z.array(ConfigUpdateJobNodeStatusSchema).optional(),
});

export const ConfigUpdateJobSchema = z.strictObject({
  apiVersion: z.literal(`${NODE_TASK_GROUP}/v1alpha2`),
  kind: z.literal('ConfigUpdateJob'),
  metadata: ObjectMetaSchema,
  spec: ConfigUpdateJobSpecSchema,
  status: ConfigUpdateJobStatusSchema.optional(),
});

export type ConfigUpdateJob = z.infer<typeof ConfigUpdateJobSchema>;
export type ConfigUpdateJobSpec = z.infer<typeof ConfigUpdateJobSpecSchema>;
