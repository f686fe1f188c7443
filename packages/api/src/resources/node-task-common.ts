// Shapes shared by the three node-task kinds (operations.kubeedge.io):
// phases, action names, the per-action status entry and the spec fields every
// job has (node selection, concurrency, timeout, failure tolerance).
import { z } from 'zod';
import { LabelSelectorSchema, NAME_PATTERN } from './meta.ts';

export const NODE_TASK_GROUP = 'operations.kubeedge.io';

/** Resource type tokens, as used in wire routes and finalizers. */
export const NodeTaskType = {
  nodeUpgradeJob: 'nodeupgradejob',
  imagePrePullJob: 'imageprepulljob',
  configUpdateJob: 'configupdatejob',
} as const;
export type NodeTaskType = (typeof NodeTaskType)[keyof typeof NodeTaskType];

/** `kubeedge.io/<type>-controller`, the finalizer controllermanager puts on a job. */
export function nodeTaskFinalizer(type: NodeTaskType): string {
  return `kubeedge.io/${type}-controller`;
}

export const JobPhase = {
  Init: 'Init',
  InProgress: 'InProgress',
  Completed: 'Completed',
  Failure: 'Failure',
} as const;
export type JobPhase = (typeof JobPhase)[keyof typeof JobPhase];
const JobPhaseSchema = z.enum(JobPhase);

export const NodeTaskPhase = {
  Pending: 'Pending',
  InProgress: 'InProgress',
  Successful: 'Successful',
  Failure: 'Failure',
  Unknown: 'Unknown',
} as const;
export type NodeTaskPhase = (typeof NodeTaskPhase)[keyof typeof NodeTaskPhase];
const NodeTaskPhaseSchema = z.enum(NodeTaskPhase);

/** Kubernetes ConditionStatus as node tasks use it: an action succeeded or not. */
export const ConditionStatusSchema = z.enum(['True', 'False']);

/** The action names kedge emits. */
export const ActionName = {
  Check: 'Check',
  WaitingConfirmation: 'WaitingConfirmation',
  Backup: 'Backup',
  Upgrade: 'Upgrade',
  Rollback: 'Rollback',
  PrePull: 'PrePull',
  ConfigUpdate: 'ConfigUpdate',
} as const;
export type ActionName = (typeof ActionName)[keyof typeof ActionName];

/** KubeEdge's spellings of the same actions: accepted on input, never emitted. */
const KubeEdgeActionAliases = {
  BackUp: ActionName.Backup,
  RollBack: ActionName.Rollback,
  Pull: ActionName.PrePull,
  Update: ActionName.ConfigUpdate,
} as const satisfies Record<string, ActionName>;

const actionByLowerName = new Map<string, ActionName>(
  [...Object.entries(ActionName), ...Object.entries(KubeEdgeActionAliases)].map(([k, v]) => [
    k.toLowerCase(),
    v,
  ]),
);

/** Our name for an action given in either spelling (case-insensitive); undefined if unknown. */
export function normalizeActionName(name: string): ActionName | undefined {
  return actionByLowerName.get(name.toLowerCase());
}

const acceptedActionNames = [...Object.values(ActionName), ...Object.keys(KubeEdgeActionAliases)] as [
  string,
  ...string[],
];

/** An action name in our or KubeEdge's spelling; parses to ours. */
export const ActionNameSchema = z
  .enum(acceptedActionNames)
  .transform((name) => normalizeActionName(name) as ActionName);

/** RFC 3339 timestamp (`2025-05-28T08:12:01Z`). */
export const RFC3339_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
export const TimestampSchema = z
  .string()
  .regex(RFC3339_PATTERN, 'must be an RFC 3339 time, e.g. 2025-05-28T08:12:01Z');

/** One entry of a node's `actionFlow`: what an action did and when it finished. */
const ActionStatusSchema = z.strictObject({
  action: ActionNameSchema,
  status: ConditionStatusSchema,
  reason: z.string().optional().describe('Why the action failed; set when status is False.'),
  time: TimestampSchema.describe('When the action finished on the node (RFC 3339).'),
});
export type ActionStatus = z.infer<typeof ActionStatusSchema>;

export const CheckItem = { cpu: 'cpu', mem: 'mem', disk: 'disk' } as const;
export type CheckItem = (typeof CheckItem)[keyof typeof CheckItem];
export const CheckItemSchema = z.enum(CheckItem);

/** A decimal in [0, 1] written as a string: "0", "0.1", "1", "1.0", ".5". */
export const FAILURE_TOLERATE_PATTERN = /^(0(\.[0-9]*)?|1(\.0*)?|\.[0-9]+)$/;
const failureTolerateProblem = 'must be a decimal between 0 and 1 written as a string, e.g. "0.1"';

const FailureTolerateSchema = z
  .string({
    error: (issue) =>
      issue.input === undefined ? undefined : `${failureTolerateProblem} (quote it in YAML)`,
  })
  .max(32)
  .regex(FAILURE_TOLERATE_PATTERN, failureTolerateProblem)
  .describe(
    'Share of nodes allowed to fail before the job fails and stops widening, "0" to "1". Default "0.1".',
  );

const INT32_MAX = 2_147_483_647;
const UINT32_MAX = 4_294_967_295;

const ConcurrencySchema = z
  .number()
  .int('must be an integer')
  .min(1, 'must be at least 1')
  .max(INT32_MAX)
  .describe('How many nodes run the task at the same time, across all cloudcore replicas. Default 1.');

const TimeoutSecondsSchema = z
  .number()
  .int('must be an integer')
  .min(1, 'must be at least 1')
  .max(UINT32_MAX)
  .describe('How long one node may take, in seconds, counted from its last reported action. Default 300.');

export const NodeNameSchema = z
  .string()
  .min(1)
  .max(253)
  .regex(NAME_PATTERN, 'must be a lower-case RFC 1123 name');

/** Spec fields that pick the nodes: exactly one of them must be set. */
export const nodeSelectionShape = {
  nodeNames: z.array(NodeNameSchema).optional().describe('The nodes to run on. Set this or labelSelector.'),
  labelSelector: LabelSelectorSchema.optional().describe(
    'Selects the nodes to run on. Set this or nodeNames.',
  ),
};

/** Spec fields every job has; each may be left out and is then defaulted by controllermanager. */
export const rolloutShape = {
  concurrency: ConcurrencySchema.optional(),
  timeoutSeconds: TimeoutSecondsSchema.optional(),
  failureTolerate: FailureTolerateSchema.optional(),
};

/**
 * Defaults controllermanager writes into a job's spec (visibly, unlike
 * KubeEdge, which documents them but does not apply them).
 */
export const nodeTaskDefaults = Object.freeze({
  failureTolerate: '0.1',
  timeoutSeconds: 300,
  concurrency: 1,
});

/** Refinement: exactly one of nodeNames (non-empty) and labelSelector. */
export function requireOneSelector(
  spec: { nodeNames?: readonly string[] | undefined; labelSelector?: unknown },
  ctx: z.RefinementCtx,
): void {
  const byName = spec.nodeNames !== undefined && spec.nodeNames.length > 0;
  const bySelector = spec.labelSelector !== undefined;
  if (byName === bySelector) {
    ctx.addIssue({
      code: 'custom',
      message: byName
        ? 'nodeNames and labelSelector are both set; set exactly one of them'
        : 'neither nodeNames nor labelSelector is set; set exactly one of them',
      input: spec,
    });
  }
}

/** The same rule for the API server (CEL), so cluster mode rejects what embedded mode rejects. */
export const oneSelectorRule = {
  rule: '(has(self.nodeNames) && size(self.nodeNames) > 0) != has(self.labelSelector)',
  message: 'set exactly one of nodeNames or labelSelector',
};

/** Fields of a node entry (`status.nodeStatus[]`) that every job kind has. */
export const nodeTaskStatusShape = {
  nodeName: NodeNameSchema,
  phase: NodeTaskPhaseSchema,
  reason: z
    .string()
    .optional()
    .describe('Why the node failed outside its action flow (selection, timeout, ...).'),
  actionFlow: z.array(ActionStatusSchema).optional().describe('One entry per action the node ran, in order.'),
  startTime: TimestampSchema.optional().describe('When a cloudcore dispatched the task to the node (kedge).'),
  dispatchedBy: z.string().optional().describe('The cloudcore replica that dispatched it (kedge).'),
  time: z.string().optional().describe('Deprecated (v1alpha1).'),
};

/** Fields of a job's `status` that every job kind has. */
export const jobStatusShape = {
  phase: JobPhaseSchema,
  reason: z.string().optional().describe('Why the job failed as a whole.'),
  progress: z
    .string()
    .optional()
    .describe('Human summary kept by controllermanager, e.g. "2/3 done, 0 failed".'),
};

/** Job-level fields KubeEdge keeps for v1alpha1 (deprecated, removed upstream in v1.23). */
export const v1alpha1JobStatusShape = {
  state: z.string().optional().describe('Deprecated (v1alpha1).'),
  event: z.string().optional().describe('Deprecated (v1alpha1).'),
  action: z.string().optional().describe('Deprecated (v1alpha1).'),
  time: z.string().optional().describe('Deprecated (v1alpha1).'),
};
