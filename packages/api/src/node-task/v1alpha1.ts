// The v1alpha1 node task state machine and wire contract (reference §7),
// used when the feature gate disableNodeTaskV1alpha2 is on. Each node moves
// through stages (Checking, BackingUp, Upgrading for NodeUpgradeJob;
// Checking, Pulling for ImagePrePullJob); a job reaches the next stage only
// when every node has left the current one. Transitions are keyed
// `State/Event/Action`, e.g. `Checking/Check/Success` -> `BackingUp`.
import { z } from 'zod';

/** v1alpha1 task types: the first token of the downstream resource. */
export const V1alpha1TaskType = { upgrade: 'upgrade', prepull: 'prepull' } as const;
export type V1alpha1TaskType = (typeof V1alpha1TaskType)[keyof typeof V1alpha1TaskType];

/** The job kind of each v1alpha1 task type. */
interface V1alpha1KindOfType {
  upgrade: 'NodeUpgradeJob';
  prepull: 'ImagePrePullJob';
}
export type V1alpha1Kind = V1alpha1KindOfType[V1alpha1TaskType];

export function v1alpha1TypeOfKind(kind: V1alpha1Kind): V1alpha1TaskType {
  return kind === 'NodeUpgradeJob' ? V1alpha1TaskType.upgrade : V1alpha1TaskType.prepull;
}

export const V1alpha1State = {
  Init: 'Init',
  Checking: 'Checking',
  BackingUp: 'BackingUp',
  Upgrading: 'Upgrading',
  RollingBack: 'RollingBack',
  Pulling: 'Pulling',
  Successful: 'Successful',
  Failed: 'Failed',
} as const;
export type V1alpha1State = (typeof V1alpha1State)[keyof typeof V1alpha1State];

export const V1alpha1Event = {
  Init: 'Init',
  Check: 'Check',
  Backup: 'Backup',
  Upgrade: 'Upgrade',
  Rollback: 'Rollback',
  Pull: 'Pull',
  TimeOut: 'TimeOut',
} as const;
export type V1alpha1Event = (typeof V1alpha1Event)[keyof typeof V1alpha1Event];

export const V1alpha1Action = {
  Success: 'Success',
  Failure: 'Failure',
  Confirmation: 'Confirmation',
} as const;
export type V1alpha1Action = (typeof V1alpha1Action)[keyof typeof V1alpha1Action];

const S = V1alpha1State;

/** The stages of each type, in order; Init comes before the first, Successful after the last. */
export const V1ALPHA1_STAGES: Readonly<Record<V1alpha1TaskType, readonly V1alpha1State[]>> = {
  upgrade: [S.Checking, S.BackingUp, S.Upgrading],
  prepull: [S.Checking, S.Pulling],
};

/** The event a node reports when it finishes each stage. */
export const V1ALPHA1_STAGE_EVENT: Readonly<Partial<Record<V1alpha1State, V1alpha1Event>>> = {
  [S.Init]: V1alpha1Event.Init,
  [S.Checking]: V1alpha1Event.Check,
  [S.BackingUp]: V1alpha1Event.Backup,
  [S.Upgrading]: V1alpha1Event.Upgrade,
  [S.Pulling]: V1alpha1Event.Pull,
};

function rules(type: V1alpha1TaskType): Record<string, V1alpha1State> {
  const table: Record<string, V1alpha1State> = {};
  const stages = [S.Init, ...V1ALPHA1_STAGES[type]];
  stages.forEach((stage, i) => {
    const event = V1ALPHA1_STAGE_EVENT[stage] ?? '';
    table[`${stage}/${event}/Success`] = stages[i + 1] ?? S.Successful;
    table[`${stage}/${event}/Failure`] = S.Failed;
    table[`${stage}/${V1alpha1Event.TimeOut}/Failure`] = S.Failed;
  });
  if (type === V1alpha1TaskType.upgrade) {
    // The edge rolls a failed upgrade back at once and reports the rollback: the node failed either way.
    table[`${S.Upgrading}/${V1alpha1Event.Rollback}/Success`] = S.Failed;
    table[`${S.Upgrading}/${V1alpha1Event.Rollback}/Failure`] = S.Failed;
  }
  return table;
}

/** `State/Event/Action` -> next state, per type. */
const V1ALPHA1_RULES: Readonly<Record<V1alpha1TaskType, Readonly<Record<string, V1alpha1State>>>> = {
  upgrade: rules(V1alpha1TaskType.upgrade),
  prepull: rules(V1alpha1TaskType.prepull),
};

/** The state after `event`/`action` in `state`; undefined when the machine has no such transition. */
export function v1alpha1Transition(
  type: V1alpha1TaskType,
  state: string,
  event: string,
  action: string,
): V1alpha1State | undefined {
  return V1ALPHA1_RULES[type][`${state}/${event}/${action}`];
}

export function isV1alpha1Final(state: string | undefined): boolean {
  return state === S.Successful || state === S.Failed;
}

/** cloud -> edge resource: `upgrade|prepull/{job}/node/{node}`. */
export function v1alpha1TaskResource(type: V1alpha1TaskType, job: string, node: string): string {
  return `${type}/${job}/node/${node}`;
}

/** edge -> cloud resource: `task/{job}/node/{node}`. */
export function v1alpha1ReportResource(job: string, node: string): string {
  return `task/${job}/node/${node}`;
}

function splitResource(resource: string): [string, string, string] | undefined {
  const parts = resource.split('/');
  if (parts.length !== 4 || parts[2] !== 'node' || !parts[0] || !parts[1] || !parts[3]) return undefined;
  return [parts[0], parts[1], parts[3]];
}

export function parseV1alpha1TaskResource(
  resource: string,
): { type: V1alpha1TaskType; job: string; node: string } | undefined {
  const parts = splitResource(resource);
  if (!parts || (parts[0] !== V1alpha1TaskType.upgrade && parts[0] !== V1alpha1TaskType.prepull))
    return undefined;
  return { type: parts[0], job: parts[1], node: parts[2] };
}

export function parseV1alpha1ReportResource(resource: string): { job: string; node: string } | undefined {
  const parts = splitResource(resource);
  return parts && parts[0] === 'task' ? { job: parts[1], node: parts[2] } : undefined;
}

/** kedge's `Item` of a task request: the job's uid (a recreated job is a new task) and its spec. */
const V1alpha1TaskItemSchema = z.object({
  jobUid: z.string().min(1),
  spec: z.record(z.string(), z.unknown()),
});

/** cloud -> edge, operation = Type: run the stage `State` of task `TaskID` (the job name). */
export const V1alpha1TaskRequestSchema = z.object({
  TaskID: z.string().min(1),
  Type: z.enum([V1alpha1TaskType.upgrade, V1alpha1TaskType.prepull]),
  State: z.string().min(1),
  Item: V1alpha1TaskItemSchema,
});
export type V1alpha1TaskRequest = z.infer<typeof V1alpha1TaskRequestSchema>;

/**
 * edge -> cloud, operation = the task type, `header.sync: true` (outbox): the
 * stage `State` ended with `Event`/`Action`. kedge adds `jobUid` and `Extend`
 * (the action's extend, e.g. "from,to" versions).
 */
export const V1alpha1TaskResponseSchema = z.object({
  NodeName: z.string().min(1),
  State: z.string(),
  Event: z.string().min(1),
  Action: z.enum([V1alpha1Action.Success, V1alpha1Action.Failure, V1alpha1Action.Confirmation]),
  Reason: z.string(),
  Time: z.string(),
  jobUid: z.string().optional(),
  Extend: z.string().optional(),
});
export type V1alpha1TaskResponse = z.infer<typeof V1alpha1TaskResponseSchema>;
