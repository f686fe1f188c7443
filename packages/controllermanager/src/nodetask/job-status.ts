// The job status as a pure function of its entries and the clock: entries
// InProgress past their deadline become Unknown, the job phase, reason and
// progress follow from the counts, and when failures stop the rollout the
// entries never started say so. One pass over the entries (two when the
// rollout stopped), copying the list only when an entry changes, so a
// 10,000-node job costs linear time and an unchanged one allocates nothing.
import {
  countNodeTasks,
  exceedsFailureTolerate,
  formatProgress,
  JobPhase,
  type NodeTaskCounts,
  nodeTaskDefaults,
  NodeTaskPhase,
  type NodeTaskType,
  type Rollout,
  type TaskEntry,
  type TaskStatus,
} from '@kedge/api';
import { entryClockStart, timeoutReason, TIMEOUT_REASON_PREFIX } from './entry-timeout.ts';

const NOT_STARTED_REASON_PREFIX = 'not started: rollout stopped';

export interface JobStatusInput<E extends TaskEntry> {
  type: NodeTaskType;
  status: TaskStatus<E>;
  rollout: Rollout;
  /** The job's creationTimestamp: the clock start of an InProgress entry that has no other. */
  createdAt?: string | undefined;
  /** Milliseconds since the epoch. */
  now: number;
}

export interface JobStatusResult<E extends TaskEntry> {
  status: TaskStatus<E>;
  /** Whether status differs from the input's. */
  changed: boolean;
  /** When the next InProgress entry times out (ms since the epoch); undefined if none runs. */
  nextDeadline: number | undefined;
  /** Nodes that timed out in this computation. */
  timedOut: string[];
}

const plural = (n: number, one: string): string => `${n} ${one}${n === 1 ? '' : 's'}`;

function isOurs(reason: string | undefined, prefix: string): boolean {
  return reason !== undefined && reason.startsWith(prefix);
}

function withReason<E extends TaskEntry>(entry: E, phase: E['phase'], reason: string | undefined): E {
  const { reason: _old, ...rest } = entry;
  return (reason === undefined ? { ...rest, phase } : { ...rest, phase, reason }) as E;
}

export function computeJobStatus<E extends TaskEntry>(input: JobStatusInput<E>): JobStatusResult<E> {
  const { type, status, rollout, now } = input;
  const entries = status.nodeStatus ?? [];
  const timeoutSeconds = rollout.timeoutSeconds ?? nodeTaskDefaults.timeoutSeconds;
  const requireConfirmation = rollout.requireConfirmation === true;
  let out: E[] | undefined;
  const timedOut: string[] = [];
  let nextDeadline: number | undefined;
  let started = false;
  let stopReasons = 0;

  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i] as E;
    let phase = entry.phase;
    let reason = entry.reason;
    if (phase === NodeTaskPhase.InProgress) {
      const start = entryClockStart(entry, input.createdAt);
      const deadline = start === undefined ? undefined : start + timeoutSeconds * 1000;
      if (deadline !== undefined && now >= deadline) {
        phase = NodeTaskPhase.Unknown;
        reason = timeoutReason(type, entry, timeoutSeconds, requireConfirmation);
        timedOut.push(entry.nodeName);
      } else {
        if (deadline !== undefined && (nextDeadline === undefined || deadline < nextDeadline))
          nextDeadline = deadline;
        // A node that reported after timing out: the timeout no longer explains anything.
        if (isOurs(reason, TIMEOUT_REASON_PREFIX)) reason = undefined;
      }
    } else if (phase === NodeTaskPhase.Successful) {
      if (isOurs(reason, TIMEOUT_REASON_PREFIX)) reason = undefined;
    } else if (phase === NodeTaskPhase.Pending && isOurs(reason, NOT_STARTED_REASON_PREFIX)) {
      stopReasons++;
    }
    // A node has started once a cloudcore dispatched it; selection failures never did.
    started ||=
      (phase !== NodeTaskPhase.Pending && phase !== NodeTaskPhase.Failure) ||
      entry.startTime !== undefined ||
      (entry.actionFlow?.length ?? 0) > 0;
    if (phase !== entry.phase || reason !== entry.reason) {
      out ??= entries.slice();
      out[i] = withReason(entry, phase, reason);
    }
  }

  const current = out ?? entries;
  const counts = countNodeTasks(current);
  const tolerate = rollout.failureTolerate ?? nodeTaskDefaults.failureTolerate;
  const stopped = exceedsFailureTolerate(counts.failed, counts.total, tolerate);
  const { phase, reason } = decide(status, counts, stopped, started, tolerate);

  if ((phase === JobPhase.Failure && counts.pending > 0) || stopReasons > 0) {
    const notStarted =
      phase === JobPhase.Failure
        ? `${NOT_STARTED_REASON_PREFIX} after ${counts.failed} of ${counts.total} nodes failed (failureTolerate ${tolerate})`
        : undefined;
    for (let i = 0; i < current.length; i++) {
      const entry = current[i] as E;
      if (entry.phase !== NodeTaskPhase.Pending) continue;
      if (notStarted === undefined && !isOurs(entry.reason, NOT_STARTED_REASON_PREFIX)) continue;
      if (entry.reason === notStarted) continue;
      out ??= entries.slice();
      out[i] = withReason(entry, entry.phase, notStarted);
    }
  }

  const progress = formatProgress(counts);
  const changed =
    out !== undefined || phase !== status.phase || reason !== status.reason || progress !== status.progress;
  const { reason: _r, ...rest } = status;
  const next: TaskStatus<E> = {
    ...rest,
    phase,
    ...(reason !== undefined ? { reason } : {}),
    progress,
    ...(status.nodeStatus !== undefined ? { nodeStatus: out ?? entries } : {}),
  };
  return { status: changed ? next : status, changed, nextDeadline, timedOut };
}

/** The job phase rule (docs/node-tasks.md "Job phase"), with Init kept until a node starts. */
function decide(
  status: TaskStatus,
  counts: NodeTaskCounts,
  stopped: boolean,
  started: boolean,
  tolerate: string,
): { phase: JobPhase; reason: string | undefined } {
  if (counts.total === 0) return { phase: JobPhase.Failure, reason: status.reason ?? 'no nodes selected' };
  const over = `${counts.failed} of ${counts.total} nodes failed, more than failureTolerate ${tolerate} allows`;
  if (counts.inProgress > 0) {
    if (!stopped) return { phase: JobPhase.InProgress, reason: undefined };
    const waiting = `waiting for ${plural(counts.inProgress, 'running node')}`;
    const held = counts.pending > 0 ? `; ${plural(counts.pending, 'node')} will not start` : '';
    return { phase: JobPhase.InProgress, reason: `${over}; ${waiting}${held}` };
  }
  if (counts.pending > 0 && !stopped) {
    const stillInit = (status.phase === JobPhase.Init || status.phase === undefined) && !started;
    return { phase: stillInit ? JobPhase.Init : JobPhase.InProgress, reason: undefined };
  }
  if (!stopped) return { phase: JobPhase.Completed, reason: undefined };
  const held = counts.pending > 0 ? `; rollout stopped, ${plural(counts.pending, 'node')} not started` : '';
  return { phase: JobPhase.Failure, reason: `${over}${held}` };
}
