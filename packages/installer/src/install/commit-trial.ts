// The commit step an upgrade and a config update share: the new edgecore,
// once healthy and connected, turns a `switching` marker into `committed`,
// but only for what it runs and only before the deadline.

type CommitOutcome =
  /** The trial was pending and is committed now. */
  | 'committed'
  /** It was committed before (by another caller): nothing changed. */
  | 'alreadyCommitted'
  /** No trial is pending (no marker, or it ended otherwise: see `marker`). */
  | 'nothingPending'
  /** A trial is pending but not for what this process runs (e.g. the old version before its restart). */
  | 'notOnTrial'
  /** Too late: the launcher rolls back at the next start. */
  | 'deadlinePassed';

export interface CommitResult<M> {
  outcome: CommitOutcome;
  /** The marker after the call (undefined when there is none). */
  marker: M | undefined;
}

/** What a trial marker (upgrade or config update) has that committing it needs. */
interface TrialFields {
  phase: string;
  deadline: string;
  updatedAt: string;
  reason?: string | undefined;
}

/**
 * Commits `marker` at `now` if this process is its trial (`onTrial`), writing
 * the committed marker with `write`. `isNew` says whether an already committed
 * marker was for what this process runs. Idempotent.
 */
export function commitTrial<M extends TrialFields>(
  marker: M | undefined,
  runs: { isNew: (marker: M) => boolean; onTrial: (marker: M) => boolean },
  write: (committed: M) => void,
  now: number,
): CommitResult<M> {
  if (!marker) return { outcome: 'nothingPending', marker };
  if (marker.phase === 'committed') {
    return { outcome: runs.isNew(marker) ? 'alreadyCommitted' : 'nothingPending', marker };
  }
  if (marker.phase !== 'switching') return { outcome: 'nothingPending', marker };
  if (!runs.onTrial(marker)) return { outcome: 'notOnTrial', marker };
  if (now > Date.parse(marker.deadline)) return { outcome: 'deadlinePassed', marker };
  const committed: M = { ...marker, phase: 'committed', updatedAt: new Date(now).toISOString() };
  delete committed.reason;
  write(committed);
  return { outcome: 'committed', marker: committed };
}
