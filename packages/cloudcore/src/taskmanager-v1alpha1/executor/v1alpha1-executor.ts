// The v1alpha1 Executor: for a job in a stage, which nodes get that stage.
// Entries sent the stage (by any replica) whose node is here are owed it
// (the downstream sends only what the node's session has not had); while
// failures are within failureTolerate, entries due for the stage and
// connected here are claimed (`startTime`, `dispatchedBy`) in a
// conflict-checked write that counts what is out across replicas
// (`concurrency`), then sent the stage.
import {
  effectiveRollout,
  exceedsFailureTolerate,
  isV1alpha1Final,
  rfc3339,
  v1alpha1Counts,
  v1alpha1Entries,
  v1alpha1JobState,
  withV1alpha1Status,
  type V1alpha1Job,
} from '@kedge/api';
import type { Clock, Logger } from '@kedge/runtime';
import { mutate, type ResourceStore } from '@kedge/store';
import type { V1alpha1Downstream } from '../downstream/v1alpha1-downstream.ts';

export interface V1alpha1ExecutorOptions {
  store: ResourceStore;
  downstream: V1alpha1Downstream;
  replicaId: string;
  clock: Clock;
  log: Logger;
}

/** Sends what is owed and starts what may start, for one v1alpha1 job as the informer saw it. */
export async function executeV1alpha1Job(job: V1alpha1Job, o: V1alpha1ExecutorOptions): Promise<void> {
  const state = v1alpha1JobState(job);
  if (state === undefined || state.phase !== 'InProgress' || isV1alpha1Final(state.state)) return;
  sendOwed(job, o);
  if (!mayStart(job)) return;
  const { downstream } = o;
  if (!v1alpha1Entries(job).some((e) => isDue(e, state.state) && downstream.connected(e.nodeName))) return;

  const claimed: string[] = [];
  const stamp = rfc3339(new Date(o.clock.now()));
  const written = await mutate(
    o.store,
    job.kind,
    job.metadata.name,
    (cur) => {
      claimed.length = 0;
      const fresh = cur as V1alpha1Job;
      const s = v1alpha1JobState(fresh);
      if (fresh.metadata.uid !== job.metadata.uid || s?.state !== state.state || !mayStart(fresh))
        return undefined;
      const entries = v1alpha1Entries(fresh);
      let free = effectiveRollout(fresh).concurrency - v1alpha1Counts(entries).running;
      const next = entries.map((e) => {
        if (free <= 0 || !isDue(e, s.state) || !downstream.connected(e.nodeName)) return e;
        free--;
        claimed.push(e.nodeName);
        return { ...e, startTime: stamp, dispatchedBy: o.replicaId };
      });
      return claimed.length > 0 ? withV1alpha1Status(fresh, s, next) : undefined;
    },
    { status: true },
  );
  if (written === undefined) return;
  for (const node of claimed) {
    const sent =
      downstream.sendStage(written as V1alpha1Job, node, state.state, { force: true }) !== 'not-sent';
    o.log.info(
      { node, job: `${job.kind}/${job.metadata.name}`, stage: state.state, sent },
      `v1alpha1 stage ${state.state} sent`,
    );
  }
}

/** Entries sent a stage (by any replica) whose node is here and has not got it on this session. */
function sendOwed(job: V1alpha1Job, o: V1alpha1ExecutorOptions): void {
  for (const e of v1alpha1Entries(job)) {
    if (e.startTime === undefined || isV1alpha1Final(e.state)) continue;
    if (o.downstream.sendStage(job, e.nodeName, e.state) === 'sent')
      o.log.info({ node: e.nodeName, stage: e.state }, 'v1alpha1 stage re-sent');
  }
}

/** No new node starts once failures are over failureTolerate (the controller then ends the job). */
function mayStart(job: V1alpha1Job): boolean {
  const { failed, total } = v1alpha1Counts(v1alpha1Entries(job));
  return !exceedsFailureTolerate(failed, total, effectiveRollout(job).failureTolerate);
}

function isDue(e: { state: string; startTime?: string | undefined }, stage: string): boolean {
  return e.state === stage && e.startTime === undefined;
}
