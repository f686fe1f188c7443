// What a job's status should be now, from the job alone (plus the Nodes for
// a job seen for the first time): the one function both the cheap check
// against the informer cache and the conflict-checked write run.
import {
  imageSecretScopeError,
  isModeSkipStatus,
  JobPhase,
  type NodeTaskJob,
  type NodeTaskKind,
  rolloutOf,
  rolloutPath,
  statusOf,
  type TaskStatus,
  taskTypeOf,
} from '@kedge/api';
import { jobSizeProblem } from './job-size.ts';
import { computeJobStatus, type JobStatusResult } from './job-status.ts';
import { selectNodes, type NodeLookup } from './select-nodes.ts';
import { withWaitingReasons } from './waiting-reason.ts';

export interface JobPlan extends JobStatusResult<NonNullable<TaskStatus['nodeStatus']>[number]> {
  /** True when the job had no status and this plan initialises it. */
  initialised: boolean;
}

export interface PlanOptions {
  /** Refuse at initialisation a job whose finished object would exceed this (job-size.ts); 0 = no limit. */
  maxJobBytes?: number;
  /** Namespaces an ImagePrePullJob's imageSecrets may name (nodeTask.imageSecretNamespaces). */
  imageSecretNamespaces?: readonly string[];
  /** Why the job cannot start, found before planning (release-pin.ts: its release could not be pinned). */
  initFailure?: string;
}

/** Why the job may not run at all, from its spec and this controller's config. */
function admissionProblem(job: NodeTaskJob, options: PlanOptions): string | undefined {
  if (options.initFailure !== undefined) return options.initFailure;
  if (job.kind !== 'ImagePrePullJob' || options.imageSecretNamespaces === undefined) return undefined;
  const err = imageSecretScopeError(
    job.spec.imagePrePullTemplate.imageSecrets,
    options.imageSecretNamespaces,
    'nodeTask.imageSecretNamespaces',
  );
  return err === undefined ? undefined : `${err.code}: ${err.message}`;
}

export function planJob(
  job: NodeTaskJob,
  nodes: NodeLookup,
  now: number,
  options: PlanOptions = {},
): JobPlan {
  const kind = job.kind as NodeTaskKind;
  const rollout = rolloutOf(job);
  // A status the other mode's controller left (mode-skip.ts) means: not initialised yet.
  const skipped = isModeSkipStatus(job.status);
  let status = skipped ? undefined : statusOf(job);
  const initialised = status === undefined;
  const refused = status === undefined ? admissionProblem(job, options) : undefined;
  if (status === undefined && refused !== undefined) {
    status = { phase: JobPhase.Failure, reason: refused };
  } else if (status === undefined) {
    const selection = selectNodes(rollout, nodes, rolloutPath(kind));
    const tooBig = selection.ok
      ? jobSizeProblem(
          job,
          selection.entries.map((e) => e.nodeName),
          options.maxJobBytes ?? 0,
        )
      : undefined;
    status =
      selection.ok && tooBig === undefined
        ? { phase: JobPhase.Init, nodeStatus: selection.entries }
        : { phase: JobPhase.Failure, reason: selection.ok ? tooBig : selection.reason };
  }
  const result = computeJobStatus({
    type: taskTypeOf(kind),
    status,
    rollout,
    createdAt: job.metadata.creationTimestamp,
    now,
  });
  // Pending entries whose node is not Ready say so (waiting-reason.ts).
  const waiting = withWaitingReasons(result.status, nodes);
  // The skip reason goes when the job starts (withStatus keeps fields a new status does not set).
  const fresh = skipped ? { reason: undefined, ...waiting } : waiting;
  const changed = result.changed || initialised || waiting !== result.status;
  return { ...result, status: fresh, changed, initialised };
}
