// The node-task action flows and the wire contract between cloudcore and the
// edge task manager (docs/node-tasks.md). Both ends read the same tables.
import { z } from 'zod';
import {
  ActionName,
  ActionNameSchema,
  NodeTaskType,
  type NodeTaskPhase,
} from '../resources/node-task-common.ts';

/** What follows an action: on success, on failure (undefined = the flow ends). */
interface ActionStep {
  onSuccess?: ActionName;
  onFailure?: ActionName;
}

export interface ActionFlow {
  first: ActionName;
  steps: Partial<Record<ActionName, ActionStep>>;
}

export const ACTION_FLOWS: Readonly<Record<NodeTaskType, ActionFlow>> = {
  [NodeTaskType.nodeUpgradeJob]: {
    first: ActionName.Check,
    steps: {
      Check: { onSuccess: ActionName.WaitingConfirmation },
      WaitingConfirmation: { onSuccess: ActionName.Backup },
      Backup: { onSuccess: ActionName.Upgrade },
      Upgrade: { onFailure: ActionName.Rollback },
      Rollback: {},
    },
  },
  [NodeTaskType.imagePrePullJob]: {
    first: ActionName.Check,
    steps: { Check: { onSuccess: ActionName.PrePull }, PrePull: {} },
  },
  [NodeTaskType.configUpdateJob]: {
    first: ActionName.Check,
    steps: {
      Check: { onSuccess: ActionName.Backup },
      Backup: { onSuccess: ActionName.ConfigUpdate },
      ConfigUpdate: { onFailure: ActionName.Rollback },
      Rollback: {},
    },
  },
};

/** The action after `action` finished with `succeeded`; undefined when the flow ends. */
export function nextAction(
  type: NodeTaskType,
  action: ActionName,
  succeeded: boolean,
): ActionName | undefined {
  const step = ACTION_FLOWS[type].steps[action];
  return succeeded ? step?.onSuccess : step?.onFailure;
}

/** The flow's actions in the order they run: the success path, then what follows a failure. */
export function actionOrder(type: NodeTaskType): ActionName[] {
  const { first, steps } = ACTION_FLOWS[type];
  const order: ActionName[] = [];
  for (let a: ActionName | undefined = first; a && !order.includes(a); a = steps[a]?.onSuccess) order.push(a);
  for (const a of Object.keys(steps) as ActionName[]) if (!order.includes(a)) order.push(a);
  return order;
}

export function isActionInFlow(type: NodeTaskType, action: ActionName): boolean {
  return ACTION_FLOWS[type].steps[action] !== undefined;
}

/**
 * The node phase after a report. A flow that ends in Rollback is a failure
 * whatever the rollback's own result: the node did not get what the job asked.
 */
export function nodePhaseAfter(type: NodeTaskType, action: ActionName, succeeded: boolean): NodeTaskPhase {
  if (nextAction(type, action, succeeded) !== undefined) return 'InProgress';
  if (action === ActionName.Rollback) return 'Failure';
  return succeeded ? 'Successful' : 'Failure';
}

/** cloud -> edge: run this task (operation = the action to start at, normally Check). */
export const NodeTaskRequestSchema = z.object({
  /** The job's uid, so a recreated job with the same name is a new task. */
  jobUid: z.string().min(1),
  /**
   * The job's spec without its node selection (nodeNames, labelSelector): the
   * node is the target, and a job over N nodes would otherwise send N names N
   * times. For ImagePrePullJob: `{imagePrePullTemplate: ...}`, likewise.
   */
  spec: z.record(z.string(), z.unknown()),
});
export type NodeTaskRequest = z.infer<typeof NodeTaskRequestSchema>;

/** edge -> cloud, operation UpdateNodeActionStatus (KubeEdge's field names, plus jobUid). */
export const ActionReportSchema = z.object({
  action: ActionNameSchema,
  succ: z.boolean(),
  /** RFC 3339; when the action finished. */
  finishTime: z.string(),
  reason: z.string(),
  /**
   * Action-specific result: Backup/Upgrade/Rollback "<from>,<to>" versions;
   * PrePull a JSON array of {image, status, reason}.
   */
  extend: z.string(),
  jobUid: z.string().optional(),
});
export type ActionReport = z.infer<typeof ActionReportSchema>;

/** Operations on node-task routes besides the start action and UpdateNodeActionStatus. */
export const NodeTaskOperations = {
  /** cloud -> edge: the operator confirmed a job waiting in WaitingConfirmation. */
  confirm: 'Confirm',
  /** edge -> cloud: how far a running action got (ActionProgress); kedge's addition, best effort. */
  updateNodeActionProgress: 'UpdateNodeActionProgress',
} as const;

/**
 * edge -> cloud, operation UpdateNodeActionProgress: the partial result of an
 * action still running (PrePull: the images finished so far, same `extend`
 * shape as its final report). Not sent through the outbox: a lost progress
 * report is made up by the next one or by the final report. The cloud applies
 * it only while the action is the one the entry is waiting for, and never
 * appends it to `actionFlow` or changes the node's phase.
 */
export const ActionProgressSchema = z.object({
  action: ActionNameSchema,
  extend: z.string(),
  jobUid: z.string().optional(),
});
export type ActionProgress = z.infer<typeof ActionProgressSchema>;

/** Job annotation an operator sets to confirm from the cloud: node names, comma-separated, or "*". */
export const CONFIRM_ANNOTATION = 'operations.kedge.io/confirm';

/**
 * NodeUpgradeJob annotation controllermanager writes when the job starts: the release it resolved,
 * `<repository>@<digest>` (the tag's index or manifest digest). cloudcore sends it to the nodes as
 * spec.image and spec.imageDigestGatter, and a node installs nothing else (docs/node-tasks.md).
 */
export const RELEASE_PIN_ANNOTATION = 'operations.kedge.io/release-pin';

/** Maps between resource kinds and wire task types. */
export const NODE_TASK_KINDS = {
  NodeUpgradeJob: NodeTaskType.nodeUpgradeJob,
  ImagePrePullJob: NodeTaskType.imagePrePullJob,
  ConfigUpdateJob: NodeTaskType.configUpdateJob,
} as const;
export type NodeTaskKind = keyof typeof NODE_TASK_KINDS;

export function kindOfTaskType(type: string): NodeTaskKind | undefined {
  for (const [kind, t] of Object.entries(NODE_TASK_KINDS) as [NodeTaskKind, NodeTaskType][]) {
    if (t === type) return kind;
  }
  return undefined;
}
