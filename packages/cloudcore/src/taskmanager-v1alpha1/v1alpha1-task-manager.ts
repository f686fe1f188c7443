// cloudcore's v1alpha1 node tasks (feature gate disableNodeTaskV1alpha2 on):
// the executor side of the v1alpha1 controller in controllermanager. For
// every job created as v1alpha1 that is in a stage, it decides which nodes
// connected here are due for that stage, at most `concurrency` at a time
// across replicas (claims are conflict-checked writes), and sends it through
// the DownstreamController (again after a reconnect); the nodes' answers come
// in through the UpstreamController and are applied (applyV1alpha1Response).
// Jobs of the other API it leaves alone, saying so once per job.
import {
  CloudModules,
  KedgeError,
  NodeTaskMode,
  V1alpha1TaskResponseSchema,
  WireGroups,
  describeIssues,
  effectiveRollout,
  errorMessage,
  exceedsFailureTolerate,
  isJobFinished,
  isV1alpha1Final,
  newMessage,
  nodeTaskVersionOf,
  parseV1alpha1ReportResource,
  rfc3339,
  v1alpha1Counts,
  v1alpha1Entries,
  v1alpha1JobState,
  v1alpha1TaskResource,
  v1alpha1TypeOfKind,
  withV1alpha1Status,
  type Message,
  type NodeTaskKind,
  type V1alpha1Job,
  type V1alpha1Kind,
  type V1alpha1TaskRequest,
  V1alpha1TaskType,
} from '@kedge/api';
import type { Clock, Logger } from '@kedge/runtime';
import { createInformer, mutate, type Informer, type ResourceStore } from '@kedge/store';
import type { DownstreamController, SendOutcome } from '../taskmanager/downstream/downstream-controller.ts';
import { edgeSpec } from '../taskmanager/downstream/task-messages.ts';
import type { UpstreamRoute } from '../taskmanager/upstream/upstream-controller.ts';
import { applyV1alpha1Response } from './apply-response.ts';
import type { ModeRefusals } from '@kedge/api';

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
  constructor(options: V1alpha1TaskManagerOptions) {
    this.#o = options;
    this.#log = options.log.child({ module: 'taskmanager-v1alpha1' });
    options.downstream.onNodeConnected((node) => this.#nodeConnected(node));
  }

  /** What the UpstreamController routes here: the nodes' v1alpha1 answers. */
  upstreamRoutes(): UpstreamRoute[] {
    return [
      {
        name: 'v1alpha1 node task answers',
        matches: (msg) =>
          msg.route.operation === V1alpha1TaskType.upgrade ||
          msg.route.operation === V1alpha1TaskType.prepull,
        handle: (node, msg) => this.handleResponse(node, msg),
      },
    ];
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
  #nodeConnected(_node: string): void {
    for (const kind of KINDS)
      for (const job of this.#informers.get(kind)?.list() ?? []) this.#poke(kind, job.metadata.name);
  }

  /** A v1alpha1 answer (operation upgrade|prepull, resource task/{job}/node/{node}); resolves 'OK' once durable. */
  async handleResponse(nodeName: string, msg: Message): Promise<string> {
    const where = parseV1alpha1ReportResource(msg.route.resource);
    const kind =
      msg.route.operation === 'upgrade'
        ? 'NodeUpgradeJob'
        : msg.route.operation === 'prepull'
          ? 'ImagePrePullJob'
          : undefined;
    const parsed = V1alpha1TaskResponseSchema.safeParse(msg.content);
    if (!where || !kind || !parsed.success) {
      const detail = parsed.success
        ? `operation ${msg.route.operation}`
        : describeIssues(parsed.error).join('; ');
      throw new KedgeError(
        'KEDGE_WIRE_MALFORMED',
        `node ${nodeName}: bad v1alpha1 task response (${detail})`,
        {
          node: nodeName,
          resource: msg.route.resource,
        },
      );
    }
    const response = parsed.data;
    // The session's node, never the name in the route or the content: a node answers only for itself.
    const node = nodeName;
    if (where.node !== node || response.NodeName !== node) {
      throw new KedgeError(
        'KEDGE_WIRE_IMPERSONATION',
        `node ${node} may not answer for node ${where.node === node ? response.NodeName : where.node}`,
        { node, resource: msg.route.resource },
      );
    }
    let outcome = 'stale';
    await mutate(
      this.#o.store,
      kind,
      where.job,
      (cur) => {
        const applied = applyV1alpha1Response(cur as V1alpha1Job, node, response);
        outcome =
          applied.kind === 'recorded'
            ? `${applied.kind} -> ${applied.state}`
            : `${applied.kind}${'why' in applied ? `: ${applied.why}` : ''}`;
        return applied.kind === 'recorded' ? applied.job : undefined;
      },
      { status: true },
    );
    const fields = {
      node,
      job: `${kind}/${where.job}`,
      event: response.Event,
      action: response.Action,
      state: response.State,
    };
    this.#log.info(fields, `v1alpha1 answer ${outcome}`);
    return 'OK';
  }

  #poke(kind: NodeTaskKind, name: string): void {
    if (this.#abort.signal.aborted) return;
    const key = `${kind}/${name}`;
    if (this.#running.has(key)) {
      this.#again.add(key);
      return;
    }
    const run = (async () => {
      do {
        this.#again.delete(key);
        try {
          await this.#evaluate(kind, name);
        } catch (err: unknown) {
          this.#log.warn({ job: key, err: errorMessage(err) }, 'v1alpha1 dispatch failed; retrying');
          await this.#o.clock.sleep(this.#o.retryDelayMs ?? 1000, this.#abort.signal).catch(() => undefined);
          this.#again.add(key);
        }
      } while (this.#again.has(key) && !this.#abort.signal.aborted);
    })().finally(() => this.#running.delete(key));
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
    const v1 = job as V1alpha1Job;
    const state = v1alpha1JobState(v1);
    if (state === undefined || state.phase !== 'InProgress' || isV1alpha1Final(state.state)) return;
    const type = v1alpha1TypeOfKind(v1.kind);
    this.#sendOwed(type, v1);
    if (!this.#mayStart(v1)) return;
    const { downstream } = this.#o;
    if (!v1alpha1Entries(v1).some((e) => this.#due(e, state.state) && downstream.connected(e.nodeName)))
      return;

    const claimed: string[] = [];
    const stamp = rfc3339(new Date(this.#o.clock.now()));
    const written = await mutate(
      this.#o.store,
      v1.kind,
      name,
      (cur) => {
        claimed.length = 0;
        const fresh = cur as V1alpha1Job;
        const s = v1alpha1JobState(fresh);
        if (fresh.metadata.uid !== v1.metadata.uid || s?.state !== state.state || !this.#mayStart(fresh))
          return undefined;
        const entries = v1alpha1Entries(fresh);
        let free = effectiveRollout(fresh).concurrency - v1alpha1Counts(entries).running;
        const next = entries.map((e) => {
          if (free <= 0 || !this.#due(e, s.state) || !downstream.connected(e.nodeName)) return e;
          free--;
          claimed.push(e.nodeName);
          return { ...e, startTime: stamp, dispatchedBy: this.#o.replicaId };
        });
        return claimed.length > 0 ? withV1alpha1Status(fresh, s, next) : undefined;
      },
      { status: true },
    );
    if (written === undefined) return;
    for (const node of claimed) {
      const sent = this.#send(type, written as V1alpha1Job, node, state.state, true) !== 'not-sent';
      this.#log.info(
        { node, job: `${kind}/${name}`, stage: state.state, sent },
        `v1alpha1 stage ${state.state} sent`,
      );
    }
  }

  /** Entries sent a stage (by any replica) whose node is here and has not got it on this session. */
  #sendOwed(type: V1alpha1TaskType, job: V1alpha1Job): void {
    for (const e of v1alpha1Entries(job)) {
      if (e.startTime === undefined || isV1alpha1Final(e.state)) continue;
      if (this.#send(type, job, e.nodeName, e.state, false) === 'sent')
        this.#log.info({ node: e.nodeName, stage: e.state }, 'v1alpha1 stage re-sent');
    }
  }

  /** The stage, unless it went out on the node's current session already (`force`: a fresh claim). */
  #send(type: V1alpha1TaskType, job: V1alpha1Job, node: string, stage: string, force: boolean): SendOutcome {
    const uid = job.metadata.uid ?? '';
    const stream = `v1alpha1 ${job.kind}/${job.metadata.name}`;
    return this.#o.downstream.sendOnce(
      node,
      stream,
      `${uid} ${stage}`,
      () => [this.#message(type, job, node, stage)],
      {
        force,
      },
    );
  }

  #message(type: V1alpha1TaskType, job: V1alpha1Job, node: string, stage: string): Message {
    const content: V1alpha1TaskRequest = {
      TaskID: job.metadata.name,
      Type: type,
      State: stage,
      Item: { jobUid: job.metadata.uid ?? '', spec: edgeSpec(job) },
    };
    return newMessage({
      source: CloudModules.taskManager,
      group: WireGroups.taskManager,
      operation: type,
      resource: v1alpha1TaskResource(type, job.metadata.name, node),
      content,
      now: this.#o.clock.now(),
    });
  }

  /** No new node starts once failures are over failureTolerate (the controller then ends the job). */
  #mayStart(job: V1alpha1Job): boolean {
    const { failed, total } = v1alpha1Counts(v1alpha1Entries(job));
    return !exceedsFailureTolerate(failed, total, effectiveRollout(job).failureTolerate);
  }

  #due(e: { state: string; startTime?: string | undefined }, stage: string): boolean {
    return e.state === stage && e.startTime === undefined;
  }
}
