// cloudcore's v1alpha1 node tasks (feature gate disableNodeTaskV1alpha2 on):
// the executor side of the v1alpha1 controller in controllermanager, split
// as the v1alpha2 pipeline is. Informers on the job kinds run the Executor
// (executor/: which nodes get a job's current stage, at most `concurrency`
// across replicas) for every job created as v1alpha1 that is in a stage; it
// sends through the DownstreamController (downstream/: again after a
// reconnect); the nodes' answers come in through the UpstreamController
// (upstream/: applied by the state machine). Jobs of the other API it leaves
// alone, saying so once per job.
import {
  NodeTaskMode,
  errorMessage,
  isJobFinished,
  nodeTaskVersionOf,
  type ModeRefusals,
  type NodeTaskKind,
  type V1alpha1Job,
  type V1alpha1Kind,
} from '@kedge/api';
import type { Clock, Logger } from '@kedge/runtime';
import { createInformer, type Informer, type ResourceStore } from '@kedge/store';
import type { DownstreamController } from '../taskmanager/downstream/downstream-controller.ts';
import type { UpstreamRoute } from '../taskmanager/upstream/upstream-controller.ts';
import { V1alpha1Downstream } from './downstream/v1alpha1-downstream.ts';
import { executeV1alpha1Job } from './executor/v1alpha1-executor.ts';
import { V1alpha1Answers } from './upstream/v1alpha1-answers.ts';

export interface V1alpha1TaskManagerOptions {
  store: ResourceStore;
  /** Where the stages go out; tells when a node registered here. */
  downstream: DownstreamController;
  replicaId: string;
  clock: Clock;
  log: Logger;
  refusals: Pick<ModeRefusals, 'refuse'>;
  /** Wait before re-evaluating a job after a failed claim (default 1000 ms). */
  retryDelayMs?: number;
}

const KINDS: readonly V1alpha1Kind[] = ['NodeUpgradeJob', 'ImagePrePullJob'];

export class V1alpha1TaskManager {
  readonly #o: V1alpha1TaskManagerOptions;
  readonly #log: Logger;
  readonly #abort = new AbortController();
  readonly #informers = new Map<NodeTaskKind, Informer<NodeTaskKind>>();
  /** Per job (`Kind/name`): the evaluation in flight, so that two never overlap. */
  readonly #running = new Map<string, Promise<void>>();
  readonly #again = new Set<string>();
  readonly #downstream: V1alpha1Downstream;
  readonly #answers: V1alpha1Answers;

  constructor(options: V1alpha1TaskManagerOptions) {
    this.#o = options;
    this.#log = options.log.child({ module: 'taskmanager-v1alpha1' });
    this.#downstream = new V1alpha1Downstream(options.downstream, options.clock);
    this.#answers = new V1alpha1Answers(options.store, this.#log);
    options.downstream.onNodeConnected(() => this.#nodeConnected());
  }

  /** What the UpstreamController routes here: the nodes' v1alpha1 answers. */
  upstreamRoutes(): UpstreamRoute[] {
    return this.#answers.routes();
  }

  async start(): Promise<void> {
    const signal = this.#abort.signal;
    for (const kind of [...KINDS, 'ConfigUpdateJob'] as const) {
      this.#informers.set(
        kind,
        createInformer(this.#o.store, kind, {
          signal,
          log: this.#log,
          clock: this.#o.clock,
          onEvent: (e) => this.#poke(kind, e.object.metadata.name),
        }),
      );
    }
    await Promise.all([...this.#informers.values()].map((i) => i.synced));
    this.#log.info('node task manager (v1alpha1) started');
  }

  async stop(): Promise<void> {
    this.#abort.abort(new Error('task manager stopping'));
    await Promise.all([...this.#running.values()]);
  }

  /** A node registered here: send what it is owed. */
  #nodeConnected(): void {
    for (const kind of KINDS)
      for (const job of this.#informers.get(kind)?.list() ?? []) this.#poke(kind, job.metadata.name);
  }

  #poke(kind: NodeTaskKind, name: string): void {
    if (this.#abort.signal.aborted) return;
    const key = `${kind}/${name}`;
    if (this.#running.has(key)) {
      this.#again.add(key);
      return;
    }
    const run = (async () => {
      try {
        do {
          this.#again.delete(key);
          try {
            await this.#evaluate(kind, name);
          } catch (err: unknown) {
            this.#log.warn({ job: key, err: errorMessage(err) }, 'v1alpha1 dispatch failed; retrying');
            await this.#o.clock
              .sleep(this.#o.retryDelayMs ?? 1000, this.#abort.signal)
              .catch(() => undefined);
            this.#again.add(key);
          }
        } while (this.#again.has(key) && !this.#abort.signal.aborted);
      } finally {
        // In the same turn as the last check of #again: a poke after it starts a new run, never lost.
        this.#running.delete(key);
      }
    })();
    this.#running.set(key, run);
  }

  async #evaluate(kind: NodeTaskKind, name: string): Promise<void> {
    const job = this.#informers.get(kind)?.get(name);
    if (job === undefined) return;
    if (kind === 'ConfigUpdateJob' || nodeTaskVersionOf(job) !== NodeTaskMode.v1alpha1) {
      // A v1alpha2 job (or a ConfigUpdateJob, which v1alpha1 does not have) is left alone.
      if (!isJobFinished(job.status?.phase)) await this.#o.refusals.refuse(job);
      return;
    }
    await executeV1alpha1Job(job as V1alpha1Job, {
      store: this.#o.store,
      downstream: this.#downstream,
      replicaId: this.#o.replicaId,
      clock: this.#o.clock,
      log: this.#log,
    });
  }
}
