// What the task manager needs to know about a node-task job whatever its
// kind: its wire type, rollout settings, entries and whether it may start
// more nodes. The three kinds differ only in where the spec keeps them.
import {
  JobPhase,
  countNodeTasks,
  effectiveFailureTolerate,
  exceedsFailureTolerate,
  NODE_TASK_KINDS,
  nodeTaskDefaults,
  type ConfigUpdateJob,
  type ImagePrePullJob,
  type NodeTaskKind,
  type NodeTaskType,
  type NodeUpgradeJob,
} from '@kedge/api';

export type NodeTaskJob = NodeUpgradeJob | ImagePrePullJob | ConfigUpdateJob;
export type NodeTaskEntry = NonNullable<NonNullable<NodeTaskJob['status']>['nodeStatus']>[number];

export const NODE_TASK_KIND_NAMES = Object.keys(NODE_TASK_KINDS) as NodeTaskKind[];

export interface Rollout {
  concurrency: number;
  /** Share of nodes allowed to fail (Failure or Unknown): a decimal string, compared exactly. */
  failureTolerate: string;
}

/** `NodeUpgradeJob/name`: one key per job in maps and logs. */
export function jobKey(kind: NodeTaskKind, name: string): string {
  return `${kind}/${name}`;
}

export function taskTypeOf(job: NodeTaskJob): NodeTaskType {
  return NODE_TASK_KINDS[job.kind];
}

/** The spec fields every kind has, wherever the kind keeps them. */
function rolloutSpec(job: NodeTaskJob): {
  concurrency?: number | undefined;
  failureTolerate?: string | undefined;
} {
  return job.kind === 'ImagePrePullJob' ? job.spec.imagePrePullTemplate : job.spec;
}

/** concurrency and failureTolerate, with the defaults for what the spec leaves out. */
export function rolloutOf(job: NodeTaskJob): Rollout {
  const spec = rolloutSpec(job);
  return {
    concurrency: Math.max(1, spec.concurrency ?? nodeTaskDefaults.concurrency),
    failureTolerate: effectiveFailureTolerate(spec.failureTolerate),
  };
}

/** Initialised by controllermanager and not finished: nodes may still be started. */
export function isRolloutOpen(job: NodeTaskJob): boolean {
  const phase = job.status?.phase;
  return phase === JobPhase.Init || phase === JobPhase.InProgress;
}

export function entriesOf(job: NodeTaskJob): NodeTaskEntry[] {
  return job.status?.nodeStatus ?? [];
}

/** True while the failure ratio (Failure + Unknown over all entries) is within failureTolerate. */
export function withinFailureTolerance(entries: readonly NodeTaskEntry[], failureTolerate: string): boolean {
  const { failed, total } = countNodeTasks(entries);
  return !exceedsFailureTolerate(failed, total, failureTolerate);
}
