// The three node-task kinds seen through one lens, for every process that
// handles them: their wire type, where each keeps its rollout fields
// (ImagePrePullJob nests them in spec.imagePrePullTemplate), the rollout with
// its documented defaults, the job key, and the common shape of a status and
// of a node entry.
import type { ResourceOf } from '../kinds.ts';
import type { LabelSelector } from '../resources/meta.ts';
import {
  nodeTaskDefaults,
  nodeTaskFinalizer,
  type ActionStatus,
  type JobPhase,
  type NodeTaskPhase,
  type NodeTaskType,
} from '../resources/node-task-common.ts';
import { effectiveFailureTolerate } from './failure-tolerance.ts';
import { NODE_TASK_KINDS, type NodeTaskKind } from './flow.ts';

/** A job of one node-task kind (all three by default: narrow by `job.kind`). */
export type NodeTaskJob<K extends NodeTaskKind = NodeTaskKind> = ResourceOf<K>;

/** A stored node entry of any kind, with its kind-specific fields. */
export type NodeTaskEntry = NonNullable<NonNullable<NodeTaskJob['status']>['nodeStatus']>[number];

/** The fields of a node entry every kind has (entries carry more; they are kept as they are). */
export interface TaskEntry {
  nodeName: string;
  phase: NodeTaskPhase;
  reason?: string | undefined;
  actionFlow?: ActionStatus[] | undefined;
  startTime?: string | undefined;
}

/** The fields of a job status every kind has. */
export interface TaskStatus<E extends TaskEntry = TaskEntry> {
  phase: JobPhase;
  reason?: string | undefined;
  progress?: string | undefined;
  nodeStatus?: E[] | undefined;
}

/** Node selection and rollout fields as the spec has them, wherever the kind keeps them. */
export interface Rollout {
  nodeNames?: string[] | undefined;
  labelSelector?: LabelSelector | undefined;
  failureTolerate?: string | undefined;
  timeoutSeconds?: number | undefined;
  concurrency?: number | undefined;
  requireConfirmation?: boolean | undefined;
}

/** The rollout settings in force: the spec's, or the documented default for what it leaves out. */
export interface EffectiveRollout {
  /** At least 1. */
  concurrency: number;
  /** Share of nodes allowed to fail (Failure or Unknown): a decimal string, compared exactly. */
  failureTolerate: string;
  timeoutSeconds: number;
}

export const NODE_TASK_KIND_NAMES = Object.keys(NODE_TASK_KINDS) as NodeTaskKind[];

export function taskTypeOf(kind: NodeTaskKind): NodeTaskType {
  return NODE_TASK_KINDS[kind];
}

export function finalizerOf(kind: NodeTaskKind): string {
  return nodeTaskFinalizer(taskTypeOf(kind));
}

/** Key of a job in queues, maps and logs: `Kind/name` (the kinds are cluster-scoped). */
export function jobKey(kind: NodeTaskKind, name: string): string {
  return `${kind}/${name}`;
}

export function parseJobKey(key: string): { kind: NodeTaskKind; name: string } | undefined {
  const slash = key.indexOf('/');
  const kind = key.slice(0, slash);
  if (slash < 0 || !(NODE_TASK_KIND_NAMES as string[]).includes(kind)) return undefined;
  return { kind: kind as NodeTaskKind, name: key.slice(slash + 1) };
}

/** Where the rollout fields live, as a path prefix for messages: `spec.` or `spec.imagePrePullTemplate.`. */
export function rolloutPath(kind: NodeTaskKind): string {
  return kind === 'ImagePrePullJob' ? 'spec.imagePrePullTemplate.' : 'spec.';
}

export function rolloutOf(job: NodeTaskJob): Rollout {
  switch (job.kind) {
    case 'ImagePrePullJob':
      return job.spec.imagePrePullTemplate;
    case 'NodeUpgradeJob':
      return job.spec;
    case 'ConfigUpdateJob':
      return job.spec;
  }
}

export function effectiveRollout(job: NodeTaskJob): EffectiveRollout {
  const spec = rolloutOf(job);
  return {
    concurrency: Math.max(1, spec.concurrency ?? nodeTaskDefaults.concurrency),
    failureTolerate: effectiveFailureTolerate(spec.failureTolerate),
    timeoutSeconds: spec.timeoutSeconds ?? nodeTaskDefaults.timeoutSeconds,
  };
}

/** The job's status in the common shape (undefined before initialisation). */
export function statusOf(job: NodeTaskJob): TaskStatus | undefined {
  return job.status as TaskStatus | undefined;
}

/** A copy of `job` with `status` replaced (entries keep their kind-specific fields). */
export function withStatus<J extends NodeTaskJob>(job: J, status: TaskStatus): J {
  return { ...job, status: { ...job.status, ...status } } as J;
}

/** The job's node entries, as stored (the same objects: a change to one changes the job). */
export function entriesOf(job: NodeTaskJob): NodeTaskEntry[] {
  return job.status?.nodeStatus ?? [];
}
