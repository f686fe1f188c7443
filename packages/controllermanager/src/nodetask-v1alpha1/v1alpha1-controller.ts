// The v1alpha1 node task controller: runs instead of the v1alpha2 one when
// the feature gate disableNodeTaskV1alpha2 is on. It owns the jobs created as
// operations.kubeedge.io/v1alpha1 (NodeUpgradeJob, ImagePrePullJob): adds the
// finalizer and the defaults, initialises the per-node entries, times out
// nodes, moves the job stage by stage and decides its end (planV1alpha1).
// Jobs of the other API it leaves alone, saying so once per job.
import {
  type NodeTaskKind,
  NodeTaskMode,
  nodeTaskVersionOf,
  rolloutOf,
  rolloutPath,
  v1alpha1Entries,
  type V1alpha1Job,
  v1alpha1JobState,
  type V1alpha1Kind,
  v1alpha1TypeOfKind,
  withV1alpha1Status,
} from '@kedge/api';
import type { Clock, Logger } from '@kedge/runtime';
import { mutate, type ResourceStore } from '@kedge/store';
import { Reconciled, type ReconcileResult } from '../controller/controller.ts';
import { freshNodeLookup } from '../nodetask/fresh-node-lookup.ts';
import { admitJob, JobLoop } from '../nodetask/job-loop.ts';
import { selectNodes, type NodeLookup } from '../nodetask/select-nodes.ts';
import type { ModeRefusals } from '@kedge/api';
import type { ReleasePinner } from '../nodetask/release-pin.ts';
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
  readonly #loop: JobLoop;

  constructor(options: V1alpha1ControllerOptions) {
    this.#o = options;
    this.#log = options.log.child({ module: 'nodetask-v1alpha1' });
    this.#loop = new JobLoop('nodetask-v1alpha1', { ...options, log: this.#log }, (key, signal) =>
      this.reconcile(key, signal),
    );
  }

  /** Watches the node task kinds (ConfigUpdateJob only to say it is not handled) until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    await this.#loop.run(signal, () => this.#log.info('node task controller (v1alpha1) running'));
  }

  async reconcile(key: string, signal: AbortSignal): Promise<ReconcileResult> {
    const admitted = await admitJob(key, signal, {
      store: this.#o.store,
      jobs: this.#loop.jobs,
      log: this.#log,
      mode: NodeTaskMode.v1alpha1,
      owns: (kind, job) => isV1alpha1Kind(kind) && nodeTaskVersionOf(job) === NodeTaskMode.v1alpha1,
      refusals: this.#o.refusals,
      releasePinner: this.#o.releasePinner,
      unstarted: (job) => !v1alpha1JobState(job as V1alpha1Job),
    });
    if ('result' in admitted) return admitted.result;
    const { kind, name, job, pinFailure } = admitted;
    if (!isV1alpha1Kind(kind)) return Reconciled.done; // owns() said so already
    if (pinFailure !== undefined)
      this.#log.warn({ job: name, resource: kind }, `${kind} ${name}: ${pinFailure}`);

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
