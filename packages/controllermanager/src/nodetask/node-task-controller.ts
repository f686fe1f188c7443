// The v1alpha2 node task controller, written once for NodeUpgradeJob,
// ImagePrePullJob and ConfigUpdateJob. Informer events only enqueue
// `Kind/name`; reconcile reads the cache, decides, and writes through
// mutate (conflict-checked, recomputed on the fresh object) only when
// something changed. It wakes itself at the next entry deadline
// (requeueAfter) and resyncs unfinished jobs every resyncPeriodMs as a
// safety net. It keeps no state of its own: a restart continues any job.
import {
  DEFAULT_IMAGE_SECRET_NAMESPACES,
  isModeSkipStatus,
  JobPhase,
  NODE_TASK_KIND_NAMES,
  type NodeTaskJob,
  type NodeTaskKind,
  NodeTaskMode,
  nodeTaskVersionOf,
  parseJobKey,
  rolloutOf,
  withFinalizerAndDefaults,
  withoutFinalizer,
  withStatus,
} from '@kedge/api';
import type { Clock, Logger } from '@kedge/runtime';
import { mutate, type ResourceStore } from '@kedge/store';
import { Controller, Reconciled, type ReconcileResult } from '../controller/controller.ts';
import type { ModeRefusals } from '@kedge/api';
import { freshNodeLookup } from './fresh-node-lookup.ts';
import { JobWatch } from './job-watch.ts';
import { recordModeSkip } from './mode-skip.ts';
import { planJob, type JobPlan } from './plan-job.ts';
import { needsReleasePin, withReleasePin, type ReleasePinner } from './release-pin.ts';
import type { NodeLookup } from './select-nodes.ts';

export interface NodeTaskControllerOptions {
  store: ResourceStore;
  /** The Node cache (shared with other controllers). */
  nodes: NodeLookup & { synced: Promise<void> };
  /** Time for deadlines, requeues and resyncs. */
  clock: Clock;
  log: Logger;
  /** Safety-net pass over unfinished jobs (config nodeTask.timeoutCheckPeriod). */
  resyncPeriodMs: number;
  /** Says (once per job) why a v1alpha1 job is left alone; without it such jobs are skipped silently. */
  refusals?: Pick<ModeRefusals, 'refuse'>;
  /** Jobs reconciled at the same time; default 2. */
  workers?: number;
  /** Clock of the informers' retry backoff; default the system clock. */
  informerClock?: Clock;
  /** Refuse jobs whose finished object would be larger (bytes; 0 = no limit; see job-size.ts). */
  maxJobBytes?: number;
  /** Namespaces an ImagePrePullJob's imageSecrets may name; other jobs are refused at initialisation. */
  imageSecretNamespaces?: readonly string[];
  /** Pins each NodeUpgradeJob's release digest when it starts (release-pin.ts); none = jobs run unpinned. */
  releasePinner?: ReleasePinner;
}

export class NodeTaskController {
  readonly #o: NodeTaskControllerOptions;
  readonly #log: Logger;
  readonly #controller: Controller;
  readonly #jobs: JobWatch;
  #signal: AbortSignal = new AbortController().signal;

  constructor(options: NodeTaskControllerOptions) {
    this.#o = options;
    this.#log = options.log.child({ module: 'nodetask' });
    this.#controller = new Controller({
      name: 'nodetask',
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

  /** Watches the three kinds and reconciles until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    this.#signal = signal;
    if (!(await this.#jobs.start(signal))) return;
    this.#log.info({ kinds: NODE_TASK_KIND_NAMES }, 'node task controller (v1alpha2) running');
    await Promise.all([this.#controller.run(signal), this.#jobs.resync(signal)]);
  }

  /** Brings one job (`Kind/name`) up to date. */
  async reconcile(key: string): Promise<ReconcileResult> {
    const parsed = parseJobKey(key);
    if (parsed === undefined) {
      this.#log.error({ key }, `nodetask: ignoring malformed queue key ${key}`);
      return Reconciled.done;
    }
    const { kind, name } = parsed;
    let job = this.#jobs.informers.get(kind)?.get(name) as NodeTaskJob | undefined;
    if (job === undefined) return Reconciled.done;
    if (nodeTaskVersionOf(job) !== NodeTaskMode.v1alpha2) {
      // Created as v1alpha1: the v1alpha1 controller's (feature gate disableNodeTaskV1alpha2). Only a
      // deletion is helped along (the finalizer is the same), so that switching the gate never wedges one.
      if (job.metadata.deletionTimestamp !== undefined) return this.#finalize(kind, name);
      await this.#o.refusals?.refuse(job);
      await recordModeSkip(this.#o.store, kind, name, NodeTaskMode.v1alpha2);
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

    let initFailure: string | undefined;
    const pinner = this.#o.releasePinner;
    if (pinner && needsReleasePin(job) && (job.status === undefined || isModeSkipStatus(job.status))) {
      const result = await pinner.resolve(job, this.#signal);
      if (result.kind === 'failed') {
        initFailure = result.reason;
      } else {
        job = await mutate(this.#o.store, kind, name, (cur) =>
          cur.metadata.deletionTimestamp !== undefined ? undefined : withReleasePin(cur, result.pin),
        );
        if (job === undefined) return Reconciled.done;
        if (job.metadata.deletionTimestamp !== undefined) return this.#finalize(kind, name);
        this.#log.info({ job: name, resource: kind, pin: result.pin }, `${kind} ${name}: release pinned`);
      }
    }

    const now = this.#o.clock.now();
    const nodes =
      job.status === undefined
        ? await freshNodeLookup(rolloutOf(job), this.#o.nodes, this.#o.store)
        : this.#o.nodes;
    const planOptions = {
      maxJobBytes: this.#o.maxJobBytes ?? 0,
      imageSecretNamespaces: this.#o.imageSecretNamespaces ?? DEFAULT_IMAGE_SECRET_NAMESPACES,
      ...(initFailure === undefined ? {} : { initFailure }),
    };
    let plan = planJob(job, nodes, now, planOptions);
    if (plan.changed) {
      const written: { plan?: JobPlan; before?: JobPhase } = {}; // from the object mutate read last
      await mutate(
        this.#o.store,
        kind,
        name,
        (cur) => {
          const fresh = planJob(cur, nodes, now, planOptions);
          written.plan = fresh;
          written.before = cur.status?.phase;
          return fresh.changed ? withStatus(cur, fresh.status) : undefined;
        },
        { status: true },
      );
      if (written.plan !== undefined) {
        plan = written.plan;
        if (plan.changed) this.#report(kind, name, written.before, plan);
      }
    }
    return plan.nextDeadline !== undefined
      ? Reconciled.requeueAfter(plan.nextDeadline - now)
      : Reconciled.done;
  }

  async #finalize(kind: NodeTaskKind, name: string): Promise<ReconcileResult> {
    let removed = false;
    await mutate(this.#o.store, kind, name, (cur) => {
      const next = withoutFinalizer(cur);
      removed = next !== undefined;
      return next;
    });
    if (removed)
      this.#log.info({ job: name, resource: kind }, `${kind} ${name}: deleting, finalizer removed`);
    return Reconciled.done;
  }

  #report(kind: NodeTaskKind, name: string, before: JobPhase | undefined, plan: JobPlan): void {
    const { status, timedOut } = plan;
    const fields = { job: name, resource: kind, phase: status.phase, progress: status.progress };
    if (plan.initialised) {
      const total = status.nodeStatus?.length ?? 0;
      const detail = total > 0 ? `${total} nodes, ${status.progress}` : (status.reason ?? '');
      this.#log.info(fields, `${kind} ${name} initialised: ${status.phase}, ${detail}`);
    } else if (before !== status.phase) {
      const why = status.reason !== undefined ? `: ${status.reason}` : '';
      this.#log.info(
        fields,
        `${kind} ${name}: ${before ?? '(none)'} -> ${status.phase} (${status.progress})${why}`,
      );
    }
    if (timedOut.length > 0) {
      this.#log.warn(
        { ...fields, nodes: timedOut.slice(0, 20), count: timedOut.length },
        `${kind} ${name}: ${timedOut.length} node(s) timed out and are now Unknown`,
      );
    }
  }

  /** For messages: why the controller is not running, when it is not. */
  static disabledReason(options: { enable: boolean; disableNodeTaskV1alpha2: boolean }): string | undefined {
    if (!options.enable) return 'nodeTask.enable is false';
    if (options.disableNodeTaskV1alpha2) {
      return (
        'feature gate disableNodeTaskV1alpha2 is on (the v1alpha1 node task controller runs instead: ' +
        'NodeUpgradeJob and ImagePrePullJob created as v1alpha1; ConfigUpdateJob is not processed)'
      );
    }
    return undefined;
  }
}
