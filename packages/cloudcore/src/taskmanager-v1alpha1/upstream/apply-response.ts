// A node's v1alpha1 answer (NodeTaskResponse) applied to its job entry: the
// state machine (v1alpha1Transition) decides the node's next state from
// `State/Event/Action`; the entry keeps the event, action, reason and time
// and is no longer "sent" (startTime cleared), so the job can move on.
// Pure: the caller writes the result with a conflict-checked update.
import {
  V1alpha1Action,
  V1alpha1Event,
  V1alpha1State,
  isV1alpha1Final,
  v1alpha1Entries,
  v1alpha1JobState,
  v1alpha1Transition,
  v1alpha1TypeOfKind,
  withV1alpha1Status,
  type V1alpha1Entry,
  type V1alpha1Job,
  type V1alpha1TaskResponse,
} from '@kedge/api';

export type ResponseOutcome =
  /** The entry moved; write `job`. */
  | { kind: 'recorded'; job: V1alpha1Job; state: string }
  /** The same answer was applied before (a re-sent report). */
  | { kind: 'duplicate' }
  /** For an older job of the same name, or a node the job does not have. */
  | { kind: 'stale'; why: string }
  /** The machine has no such transition from the node's state; nothing changes. */
  | { kind: 'rejected'; why: string };

export function applyV1alpha1Response(
  job: V1alpha1Job,
  node: string,
  r: V1alpha1TaskResponse,
): ResponseOutcome {
  if (r.jobUid !== undefined && job.metadata.uid !== undefined && r.jobUid !== job.metadata.uid)
    return { kind: 'stale', why: `for job uid ${r.jobUid}, not ${job.metadata.uid}` };
  const state = v1alpha1JobState(job);
  const entries = v1alpha1Entries(job);
  const i = entries.findIndex((e) => e.nodeName === node);
  const entry = entries[i];
  if (state === undefined || entry === undefined)
    return { kind: 'stale', why: `the job has no entry for ${node}` };
  if (entry.event === r.Event && entry.action === r.Action && entry.time === r.Time)
    return { kind: 'duplicate' };

  let next: V1alpha1Entry;
  const reason = r.Action === V1alpha1Action.Failure ? r.Reason || 'no reason given by the node' : undefined;
  if (entry.state === V1alpha1State.Failed && r.Event === V1alpha1Event.Rollback) {
    // The rollback after a failed upgrade: the node stays Failed; the reason says where it is now.
    const outcome = r.Action === V1alpha1Action.Success ? 'rolled back' : `rollback failed: ${reason ?? ''}`;
    next = {
      ...entry,
      event: r.Event,
      action: r.Action,
      time: r.Time,
      reason: `${entry.reason ?? 'failed'}; ${outcome}`,
    };
  } else if (isV1alpha1Final(entry.state)) {
    return { kind: 'rejected', why: `${node} already ended ${entry.state}` };
  } else if (r.State !== entry.state) {
    return {
      kind: 'rejected',
      why: `${node} answered for ${r.State || '(no state)'} but is in ${entry.state}`,
    };
  } else {
    const to = v1alpha1Transition(v1alpha1TypeOfKind(job.kind), entry.state, r.Event, r.Action);
    if (to === undefined)
      return { kind: 'rejected', why: `no transition ${entry.state}/${r.Event}/${r.Action}` };
    const { startTime: _s, dispatchedBy: _d, reason: _r, ...rest } = entry;
    next = {
      ...rest,
      state: to,
      event: r.Event,
      action: r.Action,
      time: r.Time,
      ...(reason ? { reason } : {}),
    };
  }
  const updated = entries.slice();
  updated[i] = next;
  const written = withV1alpha1Status(job, state, updated);
  const [from, to] = (r.Extend ?? '').split(',');
  if (
    written.kind === 'NodeUpgradeJob' &&
    r.Event === V1alpha1Event.Upgrade &&
    r.Action === V1alpha1Action.Success
  ) {
    const item = written.status?.nodeStatus?.find((e) => e.nodeName === node);
    if (item && from) item.historicVersion = from;
    if (item && to) item.currentVersion = to;
    // KubeEdge v1alpha1 keeps the versions on the job: the last upgraded node's.
    if (written.status && from) written.status.historicVersion = from;
    if (written.status && to) written.status.currentVersion = to;
  }
  return { kind: 'recorded', job: written, state: next.state };
}
