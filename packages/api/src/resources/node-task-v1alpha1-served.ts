// What the CRDs serve at operations.kubeedge.io/v1alpha1, in KubeEdge's own
// shape: the spec of the stored (v1alpha2) kind, which has exactly
// KubeEdge's v1alpha1 spec fields (`imageDigestGatter.value` included), and
// KubeEdge's v1alpha1 status: job-level state/event/action/reason/time (and,
// for NodeUpgradeJob, the versions), per-node state/event/action/reason/time,
// no v1alpha2 phase or progress. kedge reads and writes at v1alpha2; the API
// server shows a v1alpha1 reader only these fields.
import { z } from 'zod';
import { ImagePrePullJobSchema } from './image-prepull-job.ts';
import { NodeUpgradeJobSchema } from './node-upgrade-job.ts';

const text = (what: string) => z.string().optional().describe(what);

const v1alpha1NodeShape = {
  nodeName: text('The edge node.'),
  state: text('Where the node is: Init, Checking, BackingUp, Upgrading, Pulling, Successful, Failed.'),
  event: text('The event of its last transition: Init, Check, Backup, Upgrade, Pull, Rollback, TimeOut.'),
  action: text('The outcome of that event: Success or Failure.'),
  reason: text('Why the node failed.'),
  time: text('When the last transition happened.'),
};

const v1alpha1JobShape = {
  state: text('The stage the job is in (v1alpha1 runs stage by stage across all nodes).'),
  event: text('The event of the last job transition.'),
  action: text('The outcome of that event: Success or Failure.'),
  reason: text('Why the job failed.'),
  time: text('When the last job transition happened.'),
};

const V1alpha1NodeUpgradeJobStatusSchema = z.strictObject({
  ...v1alpha1JobShape,
  currentVersion: text('The edgecore version the upgraded nodes run.'),
  historicVersion: text('The edgecore version they ran before.'),
  nodeStatus: z.array(z.strictObject(v1alpha1NodeShape)).optional().describe('One entry per node.'),
});

const V1alpha1ImagePrePullJobStatusSchema = z.strictObject({
  ...v1alpha1JobShape,
  status: z
    .array(
      z.strictObject({
        nodeStatus: z.strictObject(v1alpha1NodeShape).optional(),
        imageStatus: z
          .array(
            z.strictObject({
              image: text('The image.'),
              state: text('Pull state.'),
              reason: text('Why it failed.'),
            }),
          )
          .optional(),
      }),
    )
    .optional()
    .describe('One entry per node.'),
});

/** The schema each kind serves at v1alpha1, when it differs from the stored one. */
export const V1ALPHA1_SERVED_SCHEMAS: Readonly<Partial<Record<string, z.ZodType>>> = {
  NodeUpgradeJob: NodeUpgradeJobSchema.extend({ status: V1alpha1NodeUpgradeJobStatusSchema.optional() }),
  ImagePrePullJob: ImagePrePullJobSchema.extend({ status: V1alpha1ImagePrePullJobStatusSchema.optional() }),
};
