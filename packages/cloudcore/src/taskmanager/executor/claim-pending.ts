// Claiming nodes for a rollout: Pending entries of nodes connected to this
// replica become InProgress, as many as the job's concurrency leaves free.
// It runs inside a conflict-checked status write against the stored job, so
// the InProgress count it sees is the one every replica sees: concurrency is
// global for the job, not per replica.
import {
  countNodeTasks,
  entriesOf,
  isRolloutOpen,
  effectiveRollout,
  withinFailureTolerance,
  type NodeTaskJob,
} from '@kedge/api';
import type { ChangeResult } from '../status/job-status-writer.ts';

export interface ClaimOptions {
  replicaId: string;
  /** RFC 3339 time written as the entries' startTime. */
  now: string;
  /** Whether the node has a registered session on this replica right now. */
  connectedHere: (nodeName: string) => boolean;
}

export interface Claimed {
  /** The job as claimed (uid and spec to send). */
  job: NodeTaskJob;
  nodes: string[];
}

/** Why no node can start now, or undefined when some may. */
export function rolloutBlocked(job: NodeTaskJob): string | undefined {
  if (!isRolloutOpen(job)) return `job phase is ${job.status?.phase ?? 'unset'}`;
  const entries = entriesOf(job);
  const { concurrency, failureTolerate } = effectiveRollout(job);
  const counts = countNodeTasks(entries);
  if (!withinFailureTolerance(entries, failureTolerate)) {
    return `${counts.failed} of ${counts.total} nodes failed, over failureTolerate ${failureTolerate}`;
  }
  if (counts.inProgress >= concurrency)
    return `${counts.inProgress} nodes in progress (concurrency ${concurrency})`;
  return undefined;
}

/** A status change (see JobStatusWriter) that claims what it may; value = the claimed nodes. */
export function claimPending(job: NodeTaskJob, o: ClaimOptions): ChangeResult<Claimed> {
  if (rolloutBlocked(job) !== undefined) return { changed: false, value: { job, nodes: [] } };
  const entries = entriesOf(job);
  let free = effectiveRollout(job).concurrency - countNodeTasks(entries).inProgress;
  const nodes: string[] = [];
  for (const entry of entries) {
    if (free <= 0) break;
    if (entry.phase !== 'Pending' || !o.connectedHere(entry.nodeName)) continue;
    entry.phase = 'InProgress';
    entry.startTime = o.now;
    entry.dispatchedBy = o.replicaId;
    delete entry.reason;
    nodes.push(entry.nodeName);
    free--;
  }
  return { changed: nodes.length > 0, value: { job, nodes } };
}
