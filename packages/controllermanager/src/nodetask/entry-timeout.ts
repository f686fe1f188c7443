// When an InProgress entry times out, and what its reason says then: the
// clock of a node restarts with every action it finishes, so the deadline is
// its last action's time (or the dispatch time) plus timeoutSeconds, and the
// reason names what the node was expected to do next.
import {
  awaitsConfirmation,
  expectedAction,
  lastActionOf,
  type NodeTaskType,
  type TaskEntry,
} from '@kedge/api';

export const TIMEOUT_REASON_PREFIX = 'timed out after ';

function parseTime(time: string | undefined): number | undefined {
  if (time === undefined) return undefined;
  const ms = Date.parse(time);
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * When the entry's clock started: its last action's time, else its dispatch
 * time, else `fallback` (the job's creation, for entries written without one).
 */
export function entryClockStart(entry: TaskEntry, fallback?: string): number | undefined {
  return parseTime(lastActionOf(entry)?.time) ?? parseTime(entry.startTime) ?? parseTime(fallback);
}

/**
 * `timed out after 300s waiting for Upgrade (last finished: Backup at <time>)`,
 * or `... waiting for confirmation (...)`, or, before any action finished,
 * `... waiting for Check (dispatched at <time>, no action finished)`.
 */
export function timeoutReason(
  type: NodeTaskType,
  entry: TaskEntry,
  timeoutSeconds: number,
  requireConfirmation: boolean,
): string {
  const last = lastActionOf(entry);
  const next = expectedAction(type, entry);
  const what = awaitsConfirmation(type, entry, requireConfirmation)
    ? 'confirmation'
    : next !== undefined
      ? next
      : 'the final result';
  const since = last
    ? `last finished: ${last.action}${last.status === 'False' ? ' (failed)' : ''} at ${last.time}`
    : entry.startTime !== undefined
      ? `dispatched at ${entry.startTime}, no action finished`
      : 'no action finished';
  return `${TIMEOUT_REASON_PREFIX}${timeoutSeconds}s waiting for ${what} (${since})`;
}
