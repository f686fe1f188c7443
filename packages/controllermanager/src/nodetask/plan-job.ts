// What a job's status should be now, from the job alone (plus the Nodes for
// a job seen for the first time): the one function both the cheap check
// against the informer cache and the conflict-checked write run.
import { JobPhase } from '@kedge/api';
import { computeJobStatus, type JobStatusResult } from './job-status.ts';
import {
  rolloutOf,
  rolloutPath,
  statusOf,
  taskTypeOf,
  type NodeTaskJob,
  type TaskStatus,
} from './node-task-job.ts';
import { selectNodes, type NodeLookup } from './select-nodes.ts';
import type { NodeTaskKind } from '@kedge/api';

export interface JobPlan extends JobStatusResult<NonNullable<TaskStatus['nodeStatus']>[number]> {
  /** True when the job had no status and this plan initialises it. */
  initialised: boolean;
}

export function planJob(job: NodeTaskJob, nodes: NodeLookup, now: number): JobPlan {
  const kind = job.kind as NodeTaskKind;
  const rollout = rolloutOf(job);
  let status = statusOf(job);
  const initialised = status === undefined;
  if (status === undefined) {
    const selection = selectNodes(rollout, nodes, rolloutPath(kind));
    status = selection.ok
      ? { phase: JobPhase.Init, nodeStatus: selection.entries }
      : { phase: JobPhase.Failure, reason: selection.reason };
  }
  const result = computeJobStatus({
    type: taskTypeOf(kind),
    status,
    rollout,
    createdAt: job.metadata.creationTimestamp,
    now,
  });
  return { ...result, changed: result.changed || initialised, initialised };
}
