// The phase rules every process applies the same way: which job and node
// phases are final, which entries are still open, and whether a rollout may
// start more nodes (docs/node-tasks.md, "Job phase").
import { JobPhase, NodeTaskPhase } from '../resources/node-task-common.ts';
import { exceedsFailureTolerate } from './failure-tolerance.ts';
import { entriesOf, type NodeTaskJob } from './job.ts';
import { countNodeTasks } from './progress.ts';

/** Completed or Failure: the job's status never changes again. */
export function isJobFinished(phase: string | undefined): boolean {
  return phase === JobPhase.Completed || phase === JobPhase.Failure;
}

/** Successful or Failure: the node's phase never changes again (Unknown is not final: a late result lands). */
export function isNodeTaskFinal(phase: string | undefined): boolean {
  return phase === NodeTaskPhase.Successful || phase === NodeTaskPhase.Failure;
}

/** Pending or InProgress: the node may still get its task. */
export function isNodeTaskOpen(phase: string | undefined): boolean {
  return phase === NodeTaskPhase.Pending || phase === NodeTaskPhase.InProgress;
}

/** Initialised by controllermanager and not finished: nodes may still be started. */
export function isRolloutOpen(job: NodeTaskJob): boolean {
  const phase = job.status?.phase;
  return phase === JobPhase.Init || phase === JobPhase.InProgress;
}

/** True while the failure ratio (Failure + Unknown over all entries) is within failureTolerate. */
export function withinFailureTolerance(
  entries: readonly { phase: NodeTaskPhase }[],
  failureTolerate: string | undefined,
): boolean {
  const { failed, total } = countNodeTasks(entries);
  return !exceedsFailureTolerate(failed, total, failureTolerate);
}

/** Whether the job has an entry to send (InProgress) or one that may still start (Pending, rollout open). */
export function hasWorkToDispatch(job: NodeTaskJob): boolean {
  const open = isRolloutOpen(job);
  return entriesOf(job).some(
    (e) => e.phase === NodeTaskPhase.InProgress || (e.phase === NodeTaskPhase.Pending && open),
  );
}
