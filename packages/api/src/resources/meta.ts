// ObjectMeta and the other shapes every resource shares. Metadata is a loose
// object: the Kubernetes API server adds fields (managedFields, ...) we keep
// but do not interpret.
import { z } from 'zod';

const OwnerReferenceSchema = z.object({
  apiVersion: z.string(),
  kind: z.string(),
  name: z.string(),
  uid: z.string(),
  controller: z.boolean().optional(),
  blockOwnerDeletion: z.boolean().optional(),
});

/** RFC 1123 subdomain, as Kubernetes names. */
export const NAME_PATTERN = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

export const ObjectMetaSchema = z.looseObject({
  name: z.string().min(1).max(253).regex(NAME_PATTERN, 'must be a lower-case RFC 1123 name'),
  namespace: z.string().optional(),
  uid: z.string().optional(),
  resourceVersion: z.string().optional(),
  generation: z.number().int().optional(),
  creationTimestamp: z.string().optional(),
  deletionTimestamp: z.string().optional(),
  labels: z.record(z.string(), z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
  finalizers: z.array(z.string()).optional(),
  ownerReferences: z.array(OwnerReferenceSchema).optional(),
});

export type ObjectMeta = z.infer<typeof ObjectMetaSchema>;

const LabelSelectorRequirementSchema = z.object({
  key: z.string(),
  operator: z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist']),
  values: z.array(z.string()).optional(),
});

export const LabelSelectorSchema = z.object({
  matchLabels: z.record(z.string(), z.string()).optional(),
  matchExpressions: z.array(LabelSelectorRequirementSchema).optional(),
});

export type LabelSelector = z.infer<typeof LabelSelectorSchema>;

/** RFC 3339 timestamp in UTC, second precision, as Kubernetes writes them. */
export function rfc3339(date: Date = new Date()): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
