// core/v1 ConfigMap: small named settings. kedge uses one, kubeedge/
// kedge-node-task-mode, where cloudcore and controllermanager record which
// node task API (v1alpha1 or v1alpha2) they run (docs/node-tasks.md).
import { z } from 'zod';
import { ObjectMetaSchema } from './meta.ts';

export const ConfigMapSchema = z.looseObject({
  apiVersion: z.literal('v1'),
  kind: z.literal('ConfigMap'),
  metadata: ObjectMetaSchema,
  data: z.record(z.string(), z.string()).optional(),
  binaryData: z.record(z.string(), z.base64('must be base64')).optional(),
  immutable: z.boolean().optional(),
});

export type ConfigMap = z.infer<typeof ConfigMapSchema>;
