// Records one edge action report in a job's node entry: the actionFlow item,
// the node phase, a reason that says what happened, and the upgrade versions
// or per-image results. A report already recorded changes nothing, so the
// edge may re-send reports freely (after a reconnect, from its outbox).
// A finished job (Completed / Failure) never changes, and a node entry that
// is final (Successful / Failure) only takes a late report of an action it
// has not recorded yet (one that was overtaken): a node that runs a finished
// task again (say, after `keadm edge rollback` restored an old database)
// cannot grow its actionFlow or move its phase.
import {
  ActionName,
  CONFIRM_ANNOTATION,
  KedgeError,
  actionOrder,
  entriesOf,
  isJobFinished,
  isNodeTaskFinal,
  taskTypeOf,
  nextAction,
  nodePhaseAfter,
  type ActionReport,
  type ActionStatus,
  type ImagePrePullNodeStatus,
  type NodeTaskEntry,
  type NodeTaskJob,
  type NodeTaskType,
  type NodeUpgradeJobNodeStatus,
} from '@kedge/api';
import type { EntryIndex } from '../status/entry-index.ts';
import type { ChangeResult } from '../status/job-status-writer.ts';
import type { ReportExtend } from './report-extend.ts';

export interface NodeReport {
  node: string;
  report: ActionReport;
  /** The report's finishTime as RFC 3339 UTC (or the receive time when it had none). */
  time: string;
  extend: ReportExtend;
}

/** recorded; duplicate (already recorded); stale-job (for an older job of the same name); after-final. */
export type ReportOutcome = 'recorded' | 'duplicate' | 'stale-job' | 'after-final';

/** `entries` (the batch's index of the job's entries) spares a search per report. */
export function applyReport(
  job: NodeTaskJob,
  r: NodeReport,
  entries?: EntryIndex,
): ChangeResult<ReportOutcome> {
  const { action, succ, jobUid } = r.report;
  if (jobUid && jobUid !== job.metadata.uid) return { changed: false, value: 'stale-job' };
  if (isJobFinished(job.status?.phase)) {
    return { changed: false, value: 'after-final' };
  }
  const entry = entries ? entries.get(r.node) : entriesOf(job).find((e) => e.nodeName === r.node);
  if (!entry) {
    throw new KedgeError(
      'KEDGE_TASK_INVALID',
      `${job.kind} ${job.metadata.name} has no entry for node ${r.node} (report of ${action})`,
      { node: r.node, job: job.metadata.name, action },
    );
  }
  const type = taskTypeOf(job.kind);
  const flow = entry.actionFlow ?? [];
  const status = succ ? 'True' : 'False';
  const last = flow.findLast((a) => a.action === action);
  if (last?.time === r.time && last.status === status) return { changed: false, value: 'duplicate' };

  const failedBefore = flow.findLast(
    (a) => a.status === 'False' && nextAction(type, a.action, false) === ActionName.Rollback,
  );
  const item: ActionStatus = { action, status, time: r.time };
  if (!succ) item.reason = reasonText(r.report.reason);
  // A report that overtook an earlier one (resent after a retryable error) goes to its place in the flow;
  // the entry's phase and reason stay those of the action that ran last.
  const order = actionOrder(type);
  const rank = (a: string): number => order.indexOf(a as ActionName);
  const later = flow.findIndex((a) => rank(a.action) > rank(action));
  const final = isNodeTaskFinal(entry.phase);
  if (final && (later < 0 || last !== undefined)) return { changed: false, value: 'after-final' };
  if (later >= 0) {
    entry.actionFlow = [...flow.slice(0, later), item, ...flow.slice(later)];
    return { changed: true, value: final ? 'after-final' : 'recorded' };
  }
  entry.actionFlow = [...flow, item];
  entry.phase = nodePhaseAfter(type, action, succ);
  const reason =
    action === ActionName.Rollback ? rollbackReason(job, r, failedBefore) : entryReason(job, type, r);
  if (reason === undefined) delete entry.reason;
  else entry.reason = reason;
  recordExtend(job, entry, r);
  return { changed: true, value: 'recorded' };
}

const WAITING_FOR_CONFIRMATION = 'waiting for confirmation since';

function entryReason(job: NodeTaskJob, type: NodeTaskType, r: NodeReport): string | undefined {
  const { action, succ, reason } = r.report;
  if (!succ) {
    const text = `${action} failed: ${reasonText(reason)}`;
    return nextAction(type, action, false) === ActionName.Rollback ? `${text}; rolling back` : text;
  }
  if (job.kind === 'NodeUpgradeJob' && action === ActionName.Check && job.spec.requireConfirmation) {
    return (
      `${WAITING_FOR_CONFIRMATION} ${r.time} ` +
      `(keadm ctl confirm on the node, or annotate the job ${CONFIRM_ANNOTATION})`
    );
  }
  return undefined;
}

/** A rollback always means the node did not get what the job asked: say what failed and where it is now. */
function rollbackReason(job: NodeTaskJob, r: NodeReport, failed: ActionStatus | undefined): string {
  const why = failed ? reasonText(failed.reason) : 'reason not recorded';
  let head: string;
  let restored: string;
  if (job.kind === 'NodeUpgradeJob') {
    const [to = '', from = ''] = r.extend.versions ?? [];
    head = `upgrade to ${to || job.spec.version} failed: ${why}`;
    restored = from ? `rolled back to ${from}` : 'rolled back';
  } else {
    head = `${failed?.action === ActionName.ConfigUpdate ? 'config update' : (failed?.action ?? 'task')} failed: ${why}`;
    restored = 'rolled back to the previous configuration';
  }
  return r.report.succ ? `${head}; ${restored}` : `${head}; rollback failed: ${reasonText(r.report.reason)}`;
}

function recordExtend(job: NodeTaskJob, entry: NodeTaskEntry, r: NodeReport): void {
  const { action, succ } = r.report;
  if (job.kind === 'NodeUpgradeJob' && r.extend.versions && succ) {
    const e = entry as NodeUpgradeJobNodeStatus;
    const [a, b] = r.extend.versions;
    if (action === ActionName.Rollback) {
      if (b) e.currentVersion = b; // extend "<failed target>,<restored version>"
    } else {
      if (a) e.historicVersion = a;
      if (b) e.currentVersion = b;
    }
  }
  if (job.kind === 'ImagePrePullJob' && r.extend.images) {
    const e = entry as ImagePrePullNodeStatus;
    const byImage = new Map((e.imageStatus ?? []).map((s) => [s.image, s]));
    for (const s of r.extend.images) byImage.set(s.image, s);
    e.imageStatus = [...byImage.values()];
  }
}

function reasonText(reason: string | undefined): string {
  const text = reason?.trim() ?? '';
  return text === '' ? 'no reason given by the node' : text;
}
