// UpdateNodeActionProgress (kedge's addition to the wire, see ActionProgress
// in @kedge/api): the per-image results of a PrePull still running, so the
// job's `imageStatus` shows which images are done while the node pulls.
// A progress report never touches `actionFlow` or the node's phase, and is
// applied only while the entry is InProgress and the reported action is the
// one the entry waits for (the action after its last recorded one): a
// progress report overtaken by the action's final report changes nothing.
import {
  ActionName,
  ActionProgressSchema,
  entriesOf,
  taskTypeOf,
  KedgeError,
  formatPath,
  kindOfTaskType,
  expectedAction,
  lastActionOf,
  parseNodeTaskResource,
  type ActionProgress,
  type ImagePrePullNodeStatus,
  type Message,
  type NodeTaskEntry,
  type NodeTaskJob,
  type NodeTaskKind,
} from '@kedge/api';
import type { EntryIndex } from '../status/entry-index.ts';
import type { ChangeResult } from '../status/job-status-writer.ts';
import { parseReportExtend, type ReportExtend } from './report-extend.ts';

export interface NodeProgress {
  kind: NodeTaskKind;
  job: string;
  node: string;
  progress: ActionProgress;
  extend: ReportExtend;
}

/** applied; unchanged (nothing new); ignored (the entry no longer waits for that action, or another job incarnation). */
export type ProgressOutcome = 'applied' | 'unchanged' | 'ignored';

/** Checks an UpdateNodeActionProgress message; KEDGE_TASK_INVALID naming the field when it is wrong. */
export function parseProgressMessage(msg: Message): NodeProgress {
  const { resource } = msg.route;
  const route = parseNodeTaskResource(resource);
  const kind = route ? kindOfTaskType(route.taskType) : undefined;
  if (!route || !kind) {
    throw invalid(`resource: ${JSON.stringify(resource)} is not a node task route`, { resource });
  }
  const { taskType, job, node } = route;
  const where = `progress from node ${node} for ${taskType} ${job}`;
  const parsed = ActionProgressSchema.safeParse(msg.content);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${formatPath(['content', ...i.path])}: ${i.message}`);
    throw invalid(`${where}: ${problems.join('; ')}`, { node, job, resource });
  }
  const progress = parsed.data;
  if (kind !== 'ImagePrePullJob' || progress.action !== ActionName.PrePull) {
    throw invalid(`${where}: content.action: only PrePull of an ImagePrePullJob reports progress`, {
      node,
      job,
      resource,
      action: progress.action,
    });
  }
  const extend = parseReportExtend(taskType, progress.action, progress.extend, where);
  return { kind, job, node, progress, extend };
}

export function applyProgress(
  job: NodeTaskJob,
  p: NodeProgress,
  entries?: EntryIndex,
): ChangeResult<ProgressOutcome> {
  const ignored = { changed: false, value: 'ignored' } as const;
  if (p.progress.jobUid && p.progress.jobUid !== job.metadata.uid) return ignored;
  const entry = entries ? entries.get(p.node) : entriesOf(job).find((e) => e.nodeName === p.node);
  if (!entry) {
    throw new KedgeError(
      'KEDGE_TASK_INVALID',
      `${job.kind} ${job.metadata.name} has no entry for node ${p.node} (progress of ${p.progress.action})`,
      { node: p.node, job: job.metadata.name, action: p.progress.action },
    );
  }
  if (entry.phase !== 'InProgress' || !waitingFor(job, entry, p.progress.action)) return ignored;
  if (job.kind !== 'ImagePrePullJob' || !p.extend.images) return ignored;
  const e = entry as ImagePrePullNodeStatus;
  const byImage = new Map((e.imageStatus ?? []).map((s) => [s.image, s]));
  let changed = false;
  for (const s of p.extend.images) {
    const before = byImage.get(s.image);
    if (before?.status === s.status && before.reason === s.reason) continue;
    byImage.set(s.image, s);
    changed = true;
  }
  if (!changed) return { changed: false, value: 'unchanged' };
  e.imageStatus = [...byImage.values()];
  return { changed: true, value: 'applied' };
}

/** Whether `action` is the one the entry runs now: the successor of its last recorded action. */
function waitingFor(job: NodeTaskJob, entry: NodeTaskEntry, action: ActionName): boolean {
  return lastActionOf(entry) !== undefined && expectedAction(taskTypeOf(job.kind), entry) === action;
}

function invalid(message: string, context: Record<string, unknown>): KedgeError {
  return new KedgeError('KEDGE_TASK_INVALID', message, context);
}
