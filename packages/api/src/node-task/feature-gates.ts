// The feature gates cloudcore and controllermanager share (same names as
// KubeEdge); today only the one that picks a process's node task mode
// (mode.ts, nodeTaskModeOf).
import { z } from 'zod';

export const FEATURE_GATES = ['disableNodeTaskV1alpha2'] as const;

export const FeatureGatesSchema = z
  .strictObject({
    disableNodeTaskV1alpha2: z
      .boolean()
      .describe('true = run the v1alpha1 NodeUpgradeJob/ImagePrePullJob behaviour instead of v1alpha2'),
  })
  .describe('feature gates (same names as KubeEdge)');
export type FeatureGates = z.infer<typeof FeatureGatesSchema>;
