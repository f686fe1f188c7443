// A v1alpha1 job's status seen through one lens, whatever the kind keeps
// where: NodeUpgradeJob has its per-node entries in `status.nodeStatus[]`,
// ImagePrePullJob in `status.status[].nodeStatus` (as KubeEdge v1alpha1).
// Both controllermanager and cloudcore read and write v1alpha1 jobs through
// these functions. The v1alpha2 fields a schema requires (`phase`) are kept
// consistent with the v1alpha1 state, so `kedgectl get` shows a phase too.
import type { ImagePrePullJob } from '../resources/image-prepull-job.ts';
import type { JobPhase, NodeTaskPhase } from '../resources/node-task-common.ts';
import { countNodeTasks, formatProgress } from './progress.ts';
import type { NodeUpgradeJob, NodeUpgradeJobNodeStatus } from '../resources/node-upgrade-job.ts';
import { V1alpha1State, isV1alpha1Final } from './v1alpha1.ts';

export type V1alpha1Job = NodeUpgradeJob | ImagePrePullJob;

/** One node of a v1alpha1 job. `startTime` is set while a stage was sent and has not ended. */
export interface V1alpha1Entry {
  nodeName: string;
  state: string;
  event?: string | undefined;
  action?: string | undefined;
  reason?: string | undefined;
  time?: string | undefined;
  startTime?: string | undefined;
  dispatchedBy?: string | undefined;
}

/** The job-level v1alpha1 fields, plus the phase the schema requires. */
export interface V1alpha1JobState {
  phase: JobPhase;
  state: string;
  event?: string | undefined;
  action?: string | undefined;
  reason?: string | undefined;
  time?: string | undefined;
}

/**
 * The node phase a v1alpha1 entry stands for: Pending only before the job
 * started it (state Init); a node in a stage is InProgress whether or not
 * cloudcore has sent the stage yet (that is `startTime`), so that phase never
 * contradicts state/event/action (a node `Checking` after `Init/Success`).
 */
function v1alpha1NodePhase(entry: V1alpha1Entry): NodeTaskPhase {
  if (entry.state === V1alpha1State.Successful) return 'Successful';
  if (entry.state === V1alpha1State.Failed) return entry.event === 'TimeOut' ? 'Unknown' : 'Failure';
  return entry.state === V1alpha1State.Init ? 'Pending' : 'InProgress';
}

/** The job phase a v1alpha1 job state stands for. */
export function v1alpha1JobPhase(state: string | undefined): JobPhase {
  if (state === undefined || state === V1alpha1State.Init) return 'Init';
  if (state === V1alpha1State.Successful) return 'Completed';
  if (state === V1alpha1State.Failed) return 'Failure';
  return 'InProgress';
}

/** The job's v1alpha1 state; undefined before controllermanager initialised it. */
export function v1alpha1JobState(job: V1alpha1Job): V1alpha1JobState | undefined {
  const s = job.status;
  if (s?.state === undefined) return undefined;
  return { phase: s.phase, state: s.state, event: s.event, action: s.action, reason: s.reason, time: s.time };
}

/** The job's per-node entries (empty before initialisation). */
export function v1alpha1Entries(job: V1alpha1Job): V1alpha1Entry[] {
  if (job.kind === 'NodeUpgradeJob') {
    return (job.status?.nodeStatus ?? []).map((e) => ({
      nodeName: e.nodeName,
      state: e.state ?? V1alpha1State.Init,
      event: e.event,
      action: e.action,
      reason: e.reason,
      time: e.time,
      startTime: e.startTime,
      dispatchedBy: e.dispatchedBy,
    }));
  }
  return (job.status?.status ?? []).flatMap((item) => {
    const e = item.nodeStatus;
    if (e?.nodeName === undefined) return [];
    return [
      {
        nodeName: e.nodeName,
        state: e.state ?? V1alpha1State.Init,
        event: e.event,
        action: e.action,
        reason: e.reason,
        time: e.time,
        startTime: e.startTime,
        dispatchedBy: e.dispatchedBy,
      },
    ];
  });
}

function defined<T extends object>(obj: T): T {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as T;
}

/**
 * A copy of `job` with its v1alpha1 entries and job fields replaced (other
 * per-node fields, such as versions and image statuses, are kept) and
 * `status.progress` recomputed.
 */
export function withV1alpha1Status<J extends V1alpha1Job>(
  job: J,
  state: V1alpha1JobState,
  entries: readonly V1alpha1Entry[],
): J {
  const progress = formatProgress(countNodeTasks(entries.map((e) => ({ phase: v1alpha1NodePhase(e) }))));
  const { reason: _r, event: _e, action: _a, time: _t, ...rest } = job.status ?? {};
  const head = { ...rest, ...defined(state), progress };
  if (job.kind === 'NodeUpgradeJob') {
    const byNode = new Map((job.status?.nodeStatus ?? []).map((e) => [e.nodeName, e]));
    const nodeStatus = entries.map((e): NodeUpgradeJobNodeStatus => {
      const old = byNode.get(e.nodeName);
      const keep = defined({ currentVersion: old?.currentVersion, historicVersion: old?.historicVersion });
      return { ...keep, ...defined({ ...e, phase: v1alpha1NodePhase(e) }) };
    });
    return { ...job, status: { ...head, nodeStatus } } as J;
  }
  const images = new Map(
    ((job as ImagePrePullJob).status?.status ?? []).map((i) => [i.nodeStatus?.nodeName, i.imageStatus]),
  );
  const status = entries.map((e) => {
    const imageStatus = images.get(e.nodeName);
    return { nodeStatus: defined({ ...e }), ...(imageStatus ? { imageStatus } : {}) };
  });
  return { ...job, status: { ...head, status } } as J;
}

/** Counts of a v1alpha1 job's nodes by where they are. */
export function v1alpha1Counts(entries: readonly V1alpha1Entry[]): {
  total: number;
  failed: number;
  running: number;
  open: number;
} {
  let failed = 0;
  let running = 0;
  let open = 0;
  for (const e of entries) {
    if (e.state === V1alpha1State.Failed) failed++;
    else if (!isV1alpha1Final(e.state)) {
      open++;
      if (e.startTime !== undefined) running++;
    }
  }
  return { total: entries.length, failed, running, open };
}
