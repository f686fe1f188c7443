// What a v1alpha1 job's status should be now (docs/node-tasks.md, "v1alpha1
// mode"), as a pure function of the job and the clock:
// - a job seen for the first time gets one entry per target node (state
//   Init, or Failed with the reason it cannot run there) and starts its first
//   stage: every Init node moves to Checking (`Init/Init/Success`);
// - a node sent a stage that has not answered within timeoutSeconds fails
//   (`<stage>/TimeOut/Failure`);
// - the job moves to the next stage once no node is left in the current one
//   (stage by stage across all nodes), and ends Successful when every node
//   has ended and the failures stay within failureTolerate, Failed otherwise;
// - once failures exceed failureTolerate no stage starts any more, and the
//   job fails when the nodes still running have answered.
// cloudcore sends the stages and applies the nodes' answers (v1alpha1Transition).
import {
  V1ALPHA1_STAGES,
  V1ALPHA1_STAGE_EVENT,
  V1alpha1Action,
  V1alpha1Event,
  V1alpha1State,
  exceedsFailureTolerate,
  isV1alpha1Final,
  nodeTaskDefaults,
  rfc3339,
  v1alpha1Counts,
  v1alpha1JobPhase,
  v1alpha1Transition,
  type V1alpha1Entry,
  type V1alpha1JobState,
  type V1alpha1TaskType,
} from '@kedge/api';
import type { Selection } from '../nodetask/select-nodes.ts';

const V1ALPHA1_NOT_STARTED = 'not started: rollout stopped';

export interface V1alpha1PlanInput {
  type: V1alpha1TaskType;
  /** undefined: the job has no v1alpha1 status yet. */
  state: V1alpha1JobState | undefined;
  entries: readonly V1alpha1Entry[];
  /** The job's targets, asked for only when the job is initialised. */
  select(): Selection;
  timeoutSeconds: number | undefined;
  failureTolerate: string | undefined;
  now: number;
}

export interface V1alpha1Plan {
  state: V1alpha1JobState;
  entries: V1alpha1Entry[];
  changed: boolean;
  initialised: boolean;
  /** When the next sent stage times out (ms since the epoch). */
  nextDeadline: number | undefined;
  timedOut: string[];
}

function withState(
  state: string,
  event: string,
  action: string,
  time: string,
  reason?: string,
): V1alpha1JobState {
  return { phase: v1alpha1JobPhase(state), state, event, action, time, ...(reason ? { reason } : {}) };
}

/** The entry after `event`/`action` (the state machine decides the state), no longer sent. */
function moved(
  e: V1alpha1Entry,
  type: V1alpha1TaskType,
  event: string,
  action: string,
  time: string,
  reason?: string,
): V1alpha1Entry {
  const state = v1alpha1Transition(type, e.state, event, action) ?? V1alpha1State.Failed;
  const { startTime: _s, dispatchedBy: _d, reason: _r, ...rest } = e;
  return { ...rest, state, event, action, time, ...(reason ? { reason } : {}) };
}

export function planV1alpha1(input: V1alpha1PlanInput): V1alpha1Plan {
  const { type, now } = input;
  const stamp = rfc3339(new Date(now));
  const stages = V1ALPHA1_STAGES[type];
  const timeout = input.timeoutSeconds ?? nodeTaskDefaults.timeoutSeconds;
  const tolerate = input.failureTolerate ?? nodeTaskDefaults.failureTolerate;
  let state = input.state;
  let entries = [...input.entries];
  const initialised = state === undefined;
  const timedOut: string[] = [];
  let nextDeadline: number | undefined;

  if (state === undefined) {
    const selection = input.select();
    if (!selection.ok) {
      const failed = withState(
        V1alpha1State.Failed,
        V1alpha1Event.Init,
        V1alpha1Action.Failure,
        stamp,
        selection.reason,
      );
      return { state: failed, entries: [], changed: true, initialised, nextDeadline, timedOut };
    }
    entries = selection.entries.map((e) =>
      e.phase === 'Pending'
        ? { nodeName: e.nodeName, state: V1alpha1State.Init }
        : {
            nodeName: e.nodeName,
            state: V1alpha1State.Failed,
            event: V1alpha1Event.Init,
            action: V1alpha1Action.Failure,
            time: stamp,
            ...(e.reason ? { reason: e.reason } : {}),
          },
    );
    state = { phase: 'Init', state: V1alpha1State.Init, time: stamp };
  }
  const before = JSON.stringify([state, entries]);
  if (isV1alpha1Final(state.state)) return result(false);

  // A node sent a stage that did not answer in time fails it.
  entries = entries.map((e) => {
    if (e.startTime === undefined || isV1alpha1Final(e.state)) return e;
    const deadline = Date.parse(e.startTime) + timeout * 1000;
    if (now < deadline) {
      nextDeadline = nextDeadline === undefined ? deadline : Math.min(nextDeadline, deadline);
      return e;
    }
    timedOut.push(e.nodeName);
    const why = `timed out after ${timeout}s in ${e.state} (sent at ${e.startTime})`;
    return moved(e, type, V1alpha1Event.TimeOut, V1alpha1Action.Failure, stamp, why);
  });

  // The first stage starts at once: every node still Init moves to it.
  if (state.state === V1alpha1State.Init) {
    entries = entries.map((e) =>
      e.state === V1alpha1State.Init ? moved(e, type, V1alpha1Event.Init, V1alpha1Action.Success, stamp) : e,
    );
    state = withState(
      stages[0] ?? V1alpha1State.Successful,
      V1alpha1Event.Init,
      V1alpha1Action.Success,
      stamp,
    );
  }

  const counts = v1alpha1Counts(entries);
  const over = exceedsFailureTolerate(counts.failed, counts.total, tolerate);
  const overText = `${counts.failed} of ${counts.total} nodes failed, more than failureTolerate ${tolerate} allows`;
  if (counts.total === 0) {
    state = withState(
      V1alpha1State.Failed,
      V1alpha1Event.Init,
      V1alpha1Action.Failure,
      state.time ?? stamp,
      'no nodes selected',
    );
  } else if (over) {
    if (counts.running > 0) {
      const reason = `${overText}; waiting for ${counts.running} running node(s)`;
      if (state.reason !== reason) state = { ...state, reason };
    } else {
      const event = V1ALPHA1_STAGE_EVENT[state.state as V1alpha1State] ?? V1alpha1Event.Init;
      state = withState(V1alpha1State.Failed, event, V1alpha1Action.Failure, stamp, overText);
      const notStarted = `${V1ALPHA1_NOT_STARTED} after ${counts.failed} of ${counts.total} nodes failed (failureTolerate ${tolerate})`;
      entries = entries.map((e) =>
        isV1alpha1Final(e.state) || e.reason === notStarted ? e : { ...e, reason: notStarted },
      );
    }
  } else {
    // Stage by stage: the job moves on once no node is left in the current stage.
    while (!isV1alpha1Final(state.state) && !entries.some((e) => e.state === state?.state)) {
      const current = state.state as V1alpha1State;
      const event = V1ALPHA1_STAGE_EVENT[current] ?? V1alpha1Event.Init;
      const next = stages[stages.indexOf(current) + 1];
      const open = entries.some((e) => !isV1alpha1Final(e.state));
      if (next === undefined || !open) {
        const last = V1ALPHA1_STAGE_EVENT[stages[stages.length - 1] ?? current] ?? event;
        state = withState(V1alpha1State.Successful, last, V1alpha1Action.Success, stamp);
      } else {
        state = withState(next, event, V1alpha1Action.Success, stamp);
      }
    }
    if (state.reason !== undefined && !isV1alpha1Final(state.state)) {
      const { reason: _r, ...rest } = state;
      state = rest;
    }
  }
  return result(JSON.stringify([state, entries]) !== before || initialised);

  function result(changed: boolean): V1alpha1Plan {
    return { state: state as V1alpha1JobState, entries, changed, initialised, nextDeadline, timedOut };
  }
}
