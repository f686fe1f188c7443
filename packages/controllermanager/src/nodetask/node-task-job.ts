// The three node-task kinds seen through one lens: where each keeps its
// rollout fields (ImagePrePullJob nests them in spec.imagePrePullTemplate),
// the documented defaults written into the stored spec, queue keys, and the
// common shape of a status entry.
import {
  NODE_TASK_KINDS,
  nodeTaskDefaults,
  nodeTaskFinalizer,
  type ActionStatus,
  type JobPhase,
  type LabelSelector,
  type NodeTaskKind,
  type NodeTaskPhase,
  type NodeTaskType,
  type ResourceOf,
} from '@kedge/api';

export type NodeTaskJob<K extends NodeTaskKind = NodeTaskKind> = ResourceOf<K>;

/** The fields of a status entry every kind has (entries carry more; they are kept as they are). */
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

/** Node selection and rollout fields, wherever the kind keeps them. */
export interface Rollout {
  nodeNames?: string[] | undefined;
  labelSelector?: LabelSelector | undefined;
  failureTolerate?: string | undefined;
  timeoutSeconds?: number | undefined;
  concurrency?: number | undefined;
  requireConfirmation?: boolean | undefined;
}

export const NODE_TASK_KIND_NAMES = Object.keys(NODE_TASK_KINDS) as NodeTaskKind[];

export function taskTypeOf(kind: NodeTaskKind): NodeTaskType {
  return NODE_TASK_KINDS[kind];
}

export function finalizerOf(kind: NodeTaskKind): string {
  return nodeTaskFinalizer(taskTypeOf(kind));
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

/** The job's status in the common shape (undefined before initialisation). */
export function statusOf(job: NodeTaskJob): TaskStatus | undefined {
  return job.status as TaskStatus | undefined;
}

/** A copy of `job` with `status` replaced (entries keep their kind-specific fields). */
export function withStatus<J extends NodeTaskJob>(job: J, status: TaskStatus): J {
  return { ...job, status: { ...job.status, ...status } } as J;
}

/**
 * A copy of `job` with the finalizer and every missing rollout default in
 * place, or undefined when both are there already.
 */
export function withFinalizerAndDefaults<J extends NodeTaskJob>(job: J): J | undefined {
  const kind = job.kind as NodeTaskKind;
  const finalizer = finalizerOf(kind);
  const finalizers = job.metadata.finalizers ?? [];
  const hasFinalizer = finalizers.includes(finalizer);
  const rollout = rolloutOf(job);
  const missing: { failureTolerate?: string; timeoutSeconds?: number; concurrency?: number } = {};
  if (rollout.failureTolerate === undefined) missing.failureTolerate = nodeTaskDefaults.failureTolerate;
  if (rollout.timeoutSeconds === undefined) missing.timeoutSeconds = nodeTaskDefaults.timeoutSeconds;
  if (rollout.concurrency === undefined) missing.concurrency = nodeTaskDefaults.concurrency;
  if (hasFinalizer && Object.keys(missing).length === 0) return undefined;
  const metadata = hasFinalizer ? job.metadata : { ...job.metadata, finalizers: [...finalizers, finalizer] };
  if (job.kind === 'ImagePrePullJob') {
    const template = { ...job.spec.imagePrePullTemplate, ...missing };
    return { ...job, metadata, spec: { ...job.spec, imagePrePullTemplate: template } } as J;
  }
  return { ...job, metadata, spec: { ...job.spec, ...missing } } as J;
}

/** A copy of `job` without the finalizer, or undefined when it has none. */
export function withoutFinalizer<J extends NodeTaskJob>(job: J): J | undefined {
  const finalizer = finalizerOf(job.kind as NodeTaskKind);
  const finalizers = job.metadata.finalizers ?? [];
  if (!finalizers.includes(finalizer)) return undefined;
  return { ...job, metadata: { ...job.metadata, finalizers: finalizers.filter((f) => f !== finalizer) } };
}

/** Queue key of a job: `Kind/name` (the kinds are cluster-scoped). */
export function jobKey(kind: NodeTaskKind, name: string): string {
  return `${kind}/${name}`;
}

export function parseJobKey(key: string): { kind: NodeTaskKind; name: string } | undefined {
  const slash = key.indexOf('/');
  const kind = key.slice(0, slash);
  if (slash < 0 || !(NODE_TASK_KIND_NAMES as string[]).includes(kind)) return undefined;
  return { kind: kind as NodeTaskKind, name: key.slice(slash + 1) };
}
