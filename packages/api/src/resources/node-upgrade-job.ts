// NodeUpgradeJob (operations.kubeedge.io/v1alpha2, v1alpha1 also served):
// upgrades edgecore on a set of nodes. Field names follow KubeEdge, including
// its misspelt `imageDigestGatter`.
import { z } from 'zod';
import { ImageDigestSchema } from './image-reference.ts';
import { ObjectMetaSchema } from './meta.ts';
import {
  CheckItemSchema,
  NODE_TASK_GROUP,
  jobStatusShape,
  nodeSelectionShape,
  nodeTaskStatusShape,
  oneSelectorRule,
  requireOneSelector,
  rolloutShape,
  v1alpha1JobStatusShape,
} from './node-task-common.ts';

/** `v1.21.0`, `v1.21.0-rc.1`: what KubeEdge v1.21.2 accepts on the edge. */
const EDGECORE_VERSION_PATTERN = /^v\d+\.\d+\.\d+(-[A-Za-z0-9_.]+)*$/;

const DOMAIN = String.raw`[a-zA-Z0-9](?:[a-zA-Z0-9_-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?`;
const PATH_COMPONENT = String.raw`[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*`;
/** An image repository with at least one `/` and no tag or digest (the version is the tag). */
const IMAGE_REPOSITORY_PATTERN = new RegExp(`^${DOMAIN}(?:/${PATH_COMPONENT})+$`);

const RegistryApiSchema = z.strictObject({
  host: z.string(),
  token: z.string(),
});

const ImageDigestGetterSchema = z.strictObject({
  arm64: ImageDigestSchema.optional().describe('Expected digest of the image for arm64 nodes.'),
  amd64: ImageDigestSchema.optional().describe('Expected digest of the image for amd64 nodes.'),
  value: ImageDigestSchema.optional().describe(
    'v1alpha1: expected digest of the image for every node without a digest for its CPU above.',
  ),
  registryAPI: RegistryApiSchema.optional().describe(
    'Registry v2 API access (unused, as in KubeEdge v1alpha2).',
  ),
});

export const NodeUpgradeJobSpecSchema = z
  .strictObject({
    version: z
      .string({ error: (issue) => (issue.input === undefined ? 'is required' : undefined) })
      .regex(EDGECORE_VERSION_PATTERN, 'must look like v1.21.0 (v<major>.<minor>.<patch>[-suffix])')
      .describe('The edgecore version to install.'),
    ...nodeSelectionShape,
    image: z
      .string()
      .regex(
        IMAGE_REPOSITORY_PATTERN,
        'must be an image repository without tag or digest, e.g. kubeedge/installation-package',
      )
      .optional()
      .describe(
        'Image holding keadm and edgecore; the version is its tag. Default kubeedge/installation-package.',
      ),
    imageDigestGatter: ImageDigestGetterSchema.nullish().describe(
      'Digests to verify the image against (sic).',
    ),
    checkItems: z.array(CheckItemSchema).optional().describe('Pre-checks on the node: cpu, mem, disk.'),
    requireConfirmation: z
      .boolean()
      .optional()
      .describe('Wait for a confirmation before backing up and upgrading.'),
    ...rolloutShape,
  })
  .superRefine(requireOneSelector)
  .meta({ 'x-kubernetes-validations': [oneSelectorRule] });

const NodeUpgradeJobNodeStatusSchema = z.strictObject({
  ...nodeTaskStatusShape,
  currentVersion: z.string().optional().describe('edgecore version on the node now.'),
  historicVersion: z.string().optional().describe('edgecore version before the upgrade.'),
  action: z.string().optional().describe('Deprecated: last action (v1alpha1).'),
  state: z.string().optional().describe('Deprecated (v1alpha1).'),
  event: z.string().optional().describe('Deprecated (v1alpha1).'),
});

const NodeUpgradeJobStatusSchema = z.strictObject({
  ...jobStatusShape,
  nodeStatus: z.array(NodeUpgradeJobNodeStatusSchema).optional(),
  ...v1alpha1JobStatusShape,
  currentVersion: z.string().optional().describe('Deprecated (v1alpha1).'),
  historicVersion: z.string().optional().describe('Deprecated (v1alpha1).'),
});

export const NodeUpgradeJobSchema = z.strictObject({
  apiVersion: z.enum([`${NODE_TASK_GROUP}/v1alpha2`, `${NODE_TASK_GROUP}/v1alpha1`]),
  kind: z.literal('NodeUpgradeJob'),
  metadata: ObjectMetaSchema,
  spec: NodeUpgradeJobSpecSchema,
  status: NodeUpgradeJobStatusSchema.optional(),
});

export type NodeUpgradeJob = z.infer<typeof NodeUpgradeJobSchema>;
export type NodeUpgradeJobSpec = z.infer<typeof NodeUpgradeJobSpecSchema>;
export type NodeUpgradeJobNodeStatus = z.infer<typeof NodeUpgradeJobNodeStatusSchema>;
