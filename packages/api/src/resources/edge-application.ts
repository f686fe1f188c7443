// EdgeApplication (apps.kubeedge.io/v1alpha1, namespaced): one workload
// template rendered once per target node group (or label set), each copy with
// that target's overriders.
import { z } from 'zod';
import { LabelSelectorSchema, ObjectMetaSchema } from './meta.ts';
import { APPS_GROUP } from './node-group.ts';

/** A Kubernetes object in the template, kept as written. */
const ManifestSchema = z.looseObject({
  apiVersion: z.string().min(1),
  kind: z.string().min(1),
});

const OverriderOperator = { add: 'add', remove: 'remove', replace: 'replace' } as const;
type OverriderOperator = (typeof OverriderOperator)[keyof typeof OverriderOperator];

const ImageOverriderSchema = z.strictObject({
  predicate: z
    .strictObject({ path: z.string().min(1) })
    .optional()
    .describe('JSON pointer of the image field.'),
  component: z.enum(['Registry', 'Repository', 'Tag']),
  operator: z.enum(OverriderOperator),
  value: z.string().optional(),
});

/** core/v1 EnvVar; `valueFrom` is kept as written. */
const EnvVarSchema = z.looseObject({
  name: z.string().min(1),
  value: z.string().optional(),
});

const EnvOverriderSchema = z.strictObject({
  containerName: z.string().min(1),
  operator: z.enum(OverriderOperator),
  value: z.array(EnvVarSchema).optional(),
});

const CommandArgsOverriderSchema = z.strictObject({
  containerName: z.string().min(1),
  operator: z.enum([OverriderOperator.add, OverriderOperator.remove]),
  value: z.array(z.string()).optional(),
});

/** A resource quantity: `500m`, `1Gi` or a plain number. */
const QuantitySchema = z.union([z.string(), z.number()]);

const ResourceRequirementsSchema = z.strictObject({
  limits: z.record(z.string(), QuantitySchema).optional(),
  requests: z.record(z.string(), QuantitySchema).optional(),
  claims: z.array(z.looseObject({ name: z.string() })).optional(),
});

const ResourcesOverriderSchema = z.strictObject({
  containerName: z.string().min(1),
  value: ResourceRequirementsSchema,
});

const OverridersSchema = z.strictObject({
  replicas: z.number().int('must be an integer').min(0, 'must not be negative').max(2_147_483_647).optional(),
  imageOverriders: z.array(ImageOverriderSchema).optional(),
  envOverriders: z.array(EnvOverriderSchema).optional(),
  commandOverriders: z.array(CommandArgsOverriderSchema).optional(),
  argsOverriders: z.array(CommandArgsOverriderSchema).optional(),
  resourcesOverriders: z.array(ResourcesOverriderSchema).optional(),
});

const TargetNodeGroupSchema = z.strictObject({
  name: z.string().min(1).describe('A NodeGroup name.'),
  overriders: OverridersSchema.optional(),
});

const TargetNodeLabelSchema = z.strictObject({
  labelSelector: LabelSelectorSchema,
  overriders: OverridersSchema.optional(),
});

const EdgeApplicationSpecSchema = z.strictObject({
  workloadTemplate: z.strictObject({
    manifests: z.array(ManifestSchema).describe('Objects to deploy; Deployments are rendered per target.'),
  }),
  workloadScope: z.strictObject({
    targetNodeGroups: z.array(TargetNodeGroupSchema).optional(),
    targetNodeLabels: z.array(TargetNodeLabelSchema).optional(),
  }),
});

export const ManifestCondition = { Processing: 'Processing', Available: 'Available' } as const;
export type ManifestCondition = (typeof ManifestCondition)[keyof typeof ManifestCondition];

const ManifestStatusSchema = z.strictObject({
  identifier: z.strictObject({
    ordinal: z.number().int().min(0).describe('Index of the manifest in spec.workloadTemplate.manifests.'),
    group: z.string().optional(),
    version: z.string().optional(),
    kind: z.string().optional(),
    resource: z.string().optional(),
    namespace: z.string().optional(),
    name: z.string().optional(),
  }),
  conditions: z.enum(ManifestCondition).optional(),
});

const EdgeApplicationStatusSchema = z.strictObject({
  workloadStatus: z.array(ManifestStatusSchema).optional(),
});

export const EdgeApplicationSchema = z.strictObject({
  apiVersion: z.literal(`${APPS_GROUP}/v1alpha1`),
  kind: z.literal('EdgeApplication'),
  metadata: ObjectMetaSchema,
  spec: EdgeApplicationSpecSchema,
  status: EdgeApplicationStatusSchema.optional(),
});

export type EdgeApplication = z.infer<typeof EdgeApplicationSchema>;
export type Overriders = z.infer<typeof OverridersSchema>;

/** Bookkeeping annotations of the EdgeApplication controller. */
export const EdgeApplicationAnnotations = {
  /** On every generated object: the rendered template last applied (JSON). */
  lastAppliedTemplate: 'apps.kubeedge.io/last-applied-template',
  /** On the EdgeApplication: the objects it generated last time (JSON list). */
  lastContainedResources: 'apps.kubeedge.io/last-contained-resources',
} as const;

export type ManifestStatus = z.infer<typeof ManifestStatusSchema>;
export type ImageOverrider = z.infer<typeof ImageOverriderSchema>;
export type EnvOverrider = z.infer<typeof EnvOverriderSchema>;
