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
  type NodeTaskKind,
  NodeTaskMode,
  nodeTaskVersionOf,
  rolloutOf,
  withStatus,
} from '@kedge/api';
import type { Clock, Logger } from '@kedge/runtime';
import { mutate, type ResourceStore } from '@kedge/store';
import { Reconciled, type ReconcileResult } from '../controller/controller.ts';
import type { ModeRefusals } from '@kedge/api';
import { freshNodeLookup } from './fresh-node-lookup.ts';
import { admitJob, JobLoop } from './job-loop.ts';
import { planJob, type JobPlan } from './plan-job.ts';
import type { ReleasePinner } from './release-pin.ts';
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
  readonly #loop: JobLoop;

  constructor(options: NodeTaskControllerOptions) {
    this.#o = options;
    this.#log = options.log.child({ module: 'nodetask' });
    this.#loop = new JobLoop('nodetask', { ...options, log: this.#log }, (key, signal) =>
      this.reconcile(key, signal),
    );
  }

  /** Watches the three kinds and reconciles until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    await this.#loop.run(signal, () =>
      this.#log.info({ kinds: NODE_TASK_KIND_NAMES }, 'node task controller (v1alpha2) running'),
    );
  }

  /** Brings one job (`Kind/name`) up to date. */
  async reconcile(key: string, signal: AbortSignal): Promise<ReconcileResult> {
    const admitted = await admitJob(key, signal, {
      store: this.#o.store,
      jobs: this.#loop.jobs,
      log: this.#log,
      mode: NodeTaskMode.v1alpha2,
      // Created as v1alpha1: the v1alpha1 controller's (feature gate disableNodeTaskV1alpha2).
      owns: (_kind, job) => nodeTaskVersionOf(job) === NodeTaskMode.v1alpha2,
      refusals: this.#o.refusals,
      releasePinner: this.#o.releasePinner,
      unstarted: (job) => job.status === undefined || isModeSkipStatus(job.status),
    });
    if ('result' in admitted) return admitted.result;
    const { kind, name, job, pinFailure: initFailure } = admitted;

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
