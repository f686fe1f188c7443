// The v1alpha1 node task controller: runs instead of the v1alpha2 one when
// the feature gate disableNodeTaskV1alpha2 is on. It owns the jobs created as
// operations.kubeedge.io/v1alpha1 (NodeUpgradeJob, ImagePrePullJob): adds the
// finalizer and the defaults, initialises the per-node entries, times out
// nodes, moves the job stage by stage and decides its end (planV1alpha1).
// Jobs of the other API it leaves alone, saying so once per job.
import {
  type NodeTaskJob,
  type NodeTaskKind,
  NodeTaskMode,
  nodeTaskVersionOf,
  parseJobKey,
  rolloutOf,
  rolloutPath,
  v1alpha1Entries,
  type V1alpha1Job,
  v1alpha1JobState,
  type V1alpha1Kind,
  v1alpha1TypeOfKind,
  withFinalizerAndDefaults,
  withoutFinalizer,
  withV1alpha1Status,
} from '@kedge/api';
import type { Clock, Logger } from '@kedge/runtime';
import { mutate, type ResourceStore } from '@kedge/store';
import { Controller, Reconciled, type ReconcileResult } from '../controller/controller.ts';
import { freshNodeLookup } from '../nodetask/fresh-node-lookup.ts';
import { JobWatch } from '../nodetask/job-watch.ts';
import { recordModeSkip } from '../nodetask/mode-skip.ts';
import { selectNodes, type NodeLookup } from '../nodetask/select-nodes.ts';
import type { ModeRefusals } from '@kedge/api';
import { needsReleasePin, withReleasePin, type ReleasePinner } from '../nodetask/release-pin.ts';
import { planV1alpha1, type V1alpha1Plan } from './v1alpha1-plan.ts';

export interface V1alpha1ControllerOptions {
  store: ResourceStore;
  nodes: NodeLookup & { synced: Promise<void> };
  clock: Clock;
  log: Logger;
  /** Says (once per job) why a job of the other API is left alone. */
  refusals: ModeRefusals;
  resyncPeriodMs: number;
  workers?: number;
  informerClock?: Clock;
  /** Pins each NodeUpgradeJob's release digest when it starts (release-pin.ts). */
  releasePinner?: ReleasePinner;
}

function isV1alpha1Kind(kind: NodeTaskKind): kind is V1alpha1Kind {
  return kind === 'NodeUpgradeJob' || kind === 'ImagePrePullJob';
}

export class V1alpha1NodeTaskController {
  readonly #o: V1alpha1ControllerOptions;
  readonly #log: Logger;
  readonly #controller: Controller;
  readonly #jobs: JobWatch;
  #signal: AbortSignal = new AbortController().signal;

  constructor(options: V1alpha1ControllerOptions) {
    this.#o = options;
    this.#log = options.log.child({ module: 'nodetask-v1alpha1' });
    this.#controller = new Controller({
      name: 'nodetask-v1alpha1',
      clock: options.clock,
      log: this.#log,
      workers: options.workers ?? 2,
      reconcile: (key) => this.reconcile(key),
    });
    this.#jobs = new JobWatch({
      store: options.store,
      log: this.#log,
      clock: options.clock,
      informerClock: options.informerClock,
      resyncPeriodMs: options.resyncPeriodMs,
      alsoSynced: [options.nodes.synced],
      enqueue: (key) => this.#controller.enqueue(key),
    });
  }

  /** Watches the node task kinds (ConfigUpdateJob only to say it is not handled) until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    this.#signal = signal;
    if (!(await this.#jobs.start(signal))) return;
    this.#log.info('node task controller (v1alpha1) running');
    await Promise.all([this.#controller.run(signal), this.#jobs.resync(signal)]);
  }

  async reconcile(key: string): Promise<ReconcileResult> {
    const parsed = parseJobKey(key);
    if (parsed === undefined) return Reconciled.done;
    const { kind, name } = parsed;
    let job = this.#jobs.informers.get(kind)?.get(name) as NodeTaskJob | undefined;
    if (job === undefined) return Reconciled.done;
    if (!isV1alpha1Kind(kind) || nodeTaskVersionOf(job) !== NodeTaskMode.v1alpha1) {
      // Another API's job: left alone, except that a deletion is helped along (same finalizer).
      if (job.metadata.deletionTimestamp !== undefined) return this.#finalize(kind, name);
      await this.#o.refusals.refuse(job);
      await recordModeSkip(this.#o.store, kind, name, NodeTaskMode.v1alpha1);
      return Reconciled.done;
    }
    if (job.metadata.deletionTimestamp !== undefined) return this.#finalize(kind, name);
    if (withFinalizerAndDefaults(job) !== undefined) {
      job = await mutate(this.#o.store, kind, name, (cur) =>
        cur.metadata.deletionTimestamp !== undefined ? undefined : withFinalizerAndDefaults(cur),
      );
      if (job === undefined) return Reconciled.done;
      if (job.metadata.deletionTimestamp !== undefined) return this.#finalize(kind, name);
    }

    const pinner = this.#o.releasePinner;
    if (pinner && needsReleasePin(job) && !v1alpha1JobState(job as V1alpha1Job)) {
      // A job whose release cannot be pinned still starts: its nodes refuse it (KEDGE_RELEASE_UNPINNED).
      const result = await pinner.resolve(job, this.#signal);
      if (result.kind === 'failed') {
        this.#log.warn({ job: name, resource: kind }, `${kind} ${name}: ${result.reason}`);
      } else {
        job = await mutate(this.#o.store, kind, name, (cur) =>
          cur.metadata.deletionTimestamp !== undefined ? undefined : withReleasePin(cur, result.pin),
        );
        if (job === undefined) return Reconciled.done;
        if (job.metadata.deletionTimestamp !== undefined) return this.#finalize(kind, name);
      }
    }

    const now = this.#o.clock.now();
    const rollout = rolloutOf(job);
    const nodes = v1alpha1JobState(job as V1alpha1Job)
      ? this.#o.nodes
      : await freshNodeLookup(rollout, this.#o.nodes, this.#o.store);
    const planFor = (j: V1alpha1Job): V1alpha1Plan =>
      planV1alpha1({
        type: v1alpha1TypeOfKind(kind),
        state: v1alpha1JobState(j),
        entries: v1alpha1Entries(j),
        select: () => selectNodes(rollout, nodes, rolloutPath(kind)),
        timeoutSeconds: rollout.timeoutSeconds,
        failureTolerate: rollout.failureTolerate,
        now,
      });
    let plan = planFor(job as V1alpha1Job);
    if (plan.changed) {
      let written: V1alpha1Plan | undefined;
      const before = v1alpha1JobState(job as V1alpha1Job)?.state;
      await mutate(
        this.#o.store,
        kind,
        name,
        (cur) => {
          written = planFor(cur as V1alpha1Job);
          return written.changed
            ? withV1alpha1Status(cur as V1alpha1Job, written.state, written.entries)
            : undefined;
        },
        { status: true },
      );
      if (written !== undefined) {
        plan = written;
        if (plan.changed) this.#report(kind, name, before, plan);
      }
    }
    return plan.nextDeadline !== undefined
      ? Reconciled.requeueAfter(plan.nextDeadline - now)
      : Reconciled.done;
  }

  async #finalize(kind: NodeTaskKind, name: string): Promise<ReconcileResult> {
    await mutate(this.#o.store, kind, name, (cur) => withoutFinalizer(cur));
    return Reconciled.done;
  }

  #report(kind: NodeTaskKind, name: string, before: string | undefined, plan: V1alpha1Plan): void {
    const { state } = plan;
    const fields = { job: name, resource: kind, state: state.state, mode: NodeTaskMode.v1alpha1 };
    if (plan.initialised) {
      this.#log.info(
        fields,
        `${kind} ${name} (v1alpha1) initialised: ${plan.entries.length} nodes, ${state.state}`,
      );
    } else if (before !== state.state) {
      const why = state.reason !== undefined ? `: ${state.reason}` : '';
      this.#log.info(fields, `${kind} ${name} (v1alpha1): ${before ?? '(none)'} -> ${state.state}${why}`);
    }
    if (plan.timedOut.length > 0) {
      this.#log.warn(
        { ...fields, nodes: plan.timedOut.slice(0, 20) },
        `${kind} ${name}: ${plan.timedOut.length} node(s) timed out`,
      );
    }
  }
}
