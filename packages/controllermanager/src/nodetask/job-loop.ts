// The frame both node task controllers (v1alpha2 and v1alpha1) reconcile in:
// a Controller (work queue + workers) fed by a JobWatch, working once the jobs
// and the node cache are synced; and the first steps of every reconcile
// (admitJob): the cached job of a `Kind/name` key, another API's job left
// alone (said once, mode skip recorded; only its deletion is helped along),
// a deleted job's finalizer removed, the finalizer and defaults added, the
// release pinned.
import {
  type ModeRefusals,
  type NodeTaskJob,
  type NodeTaskKind,
  type NodeTaskMode,
  parseJobKey,
  withFinalizerAndDefaults,
  withoutFinalizer,
} from '@kedge/api';
import type { Clock, Logger } from '@kedge/runtime';
import { mutate, type ResourceStore } from '@kedge/store';
import { Controller, Reconciled, type ReconcileFn, type ReconcileResult } from '../controller/controller.ts';
import { JobWatch } from './job-watch.ts';
import { recordModeSkip } from './mode-skip.ts';
import { needsReleasePin, withReleasePin, type ReleasePinner } from './release-pin.ts';

interface JobLoopOptions {
  store: ResourceStore;
  /** The Node cache (shared with other controllers): reconciles wait for it to sync. */
  nodes: { synced: Promise<void> };
  clock: Clock;
  /** The controller's own logger (with its module). */
  log: Logger;
  resyncPeriodMs: number;
  /** Jobs reconciled at the same time; default 2. */
  workers?: number;
  /** Clock of the informers' retry backoff; default the system clock. */
  informerClock?: Clock;
}

export class JobLoop {
  readonly jobs: JobWatch;
  readonly #controller: Controller;

  constructor(name: string, o: JobLoopOptions, reconcile: ReconcileFn) {
    this.#controller = new Controller({
      name,
      clock: o.clock,
      log: o.log,
      workers: o.workers ?? 2,
      reconcile,
    });
    this.jobs = new JobWatch({
      store: o.store,
      log: o.log,
      clock: o.clock,
      informerClock: o.informerClock,
      resyncPeriodMs: o.resyncPeriodMs,
      alsoSynced: [o.nodes.synced],
      enqueue: (key) => this.#controller.enqueue(key),
    });
  }

  /** Watches the node task kinds; once synced calls `running` and reconciles until `signal` aborts. */
  async run(signal: AbortSignal, running: () => void): Promise<void> {
    if (!(await this.jobs.start(signal))) return;
    running();
    await Promise.all([this.#controller.run(signal), this.jobs.resync(signal)]);
  }
}

interface AdmitOptions {
  store: ResourceStore;
  jobs: JobWatch;
  log: Logger;
  /** The API version this controller runs; another one's jobs are left alone. */
  mode: NodeTaskMode;
  /** Whether this controller runs the job (its API version, and its kind). */
  owns(kind: NodeTaskKind, job: NodeTaskJob): boolean;
  refusals?: Pick<ModeRefusals, 'refuse'> | undefined;
  releasePinner?: ReleasePinner | undefined;
  /** Whether the job has not started yet, so that its release may still be pinned. */
  unstarted(job: NodeTaskJob): boolean;
}

/** A job to plan (`pinFailure` when its release could not be pinned), or the reconcile's result. */
type Admitted =
  { kind: NodeTaskKind; name: string; job: NodeTaskJob; pinFailure?: string } | { result: ReconcileResult };

export async function admitJob(key: string, signal: AbortSignal, o: AdmitOptions): Promise<Admitted> {
  const done = { result: Reconciled.done };
  const parsed = parseJobKey(key);
  if (parsed === undefined) {
    o.log.error({ key }, `nodetask: ignoring malformed queue key ${key}`);
    return done;
  }
  const { kind, name } = parsed;
  let job = o.jobs.informers.get(kind)?.get(name) as NodeTaskJob | undefined;
  if (job === undefined) return done;
  const finalize = async (): Promise<Admitted> => {
    await finalizeJob(o.store, o.log, kind, name);
    return done;
  };
  if (!o.owns(kind, job)) {
    // Another API's job (the feature gate disableNodeTaskV1alpha2 picks the controller). Only a deletion
    // is helped along (the finalizer is the same), so that switching the gate never wedges one.
    if (job.metadata.deletionTimestamp !== undefined) return finalize();
    await o.refusals?.refuse(job);
    await recordModeSkip(o.store, kind, name, o.mode);
    return done;
  }
  if (job.metadata.deletionTimestamp !== undefined) return finalize();
  // Each change is written on the fresh object, never on one being deleted.
  const write = async (
    next: (cur: NodeTaskJob) => NodeTaskJob | undefined,
  ): Promise<{ job: NodeTaskJob } | { stop: Admitted }> => {
    const fresh = await mutate(o.store, kind, name, (cur) =>
      cur.metadata.deletionTimestamp !== undefined ? undefined : next(cur),
    );
    if (fresh === undefined) return { stop: done };
    if (fresh.metadata.deletionTimestamp !== undefined) return { stop: await finalize() };
    return { job: fresh };
  };
  if (withFinalizerAndDefaults(job) !== undefined) {
    const written = await write(withFinalizerAndDefaults);
    if ('stop' in written) return written.stop;
    job = written.job;
  }
  const pinner = o.releasePinner;
  if (pinner && needsReleasePin(job) && o.unstarted(job)) {
    // A job whose release cannot be pinned still starts; its nodes refuse it (KEDGE_RELEASE_UNPINNED).
    const pinned = await pinner.resolve(job, signal);
    if (pinned.kind === 'failed') return { kind, name, job, pinFailure: pinned.reason };
    const written = await write((cur) => withReleasePin(cur, pinned.pin));
    if ('stop' in written) return written.stop;
    job = written.job;
    o.log.info({ job: name, resource: kind, pin: pinned.pin }, `${kind} ${name}: release pinned`);
  }
  return { kind, name, job };
}

async function finalizeJob(
  store: ResourceStore,
  log: Logger,
  kind: NodeTaskKind,
  name: string,
): Promise<void> {
  let removed = false;
  await mutate(store, kind, name, (cur) => {
    const next = withoutFinalizer(cur);
    removed = next !== undefined;
    return next;
  });
  if (removed) log.info({ job: name, resource: kind }, `${kind} ${name}: deleting, finalizer removed`);
}
