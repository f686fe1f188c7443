// The embedded-mode workload controller: the single-machine stand-in for
// kube-controller-manager's Deployment and ReplicaSet controllers and for
// kube-scheduler (docs/workloads.md). Informer events only enqueue keys
// (and keep the pod index and expectations current); each reconcile reads
// the object it owns fresh, pods and nodes from the caches, and writes
// through mutate.
// In cluster mode the real Kubernetes components do this and it stays off.
import { placementFacts } from './node-facts.ts';
import { NodeLoad } from './node-load.ts';
import { isPodActive } from './rollout-math.ts';
import type { Clock, Logger } from '@kedge/runtime';
import { systemClock } from '@kedge/runtime';
import { createInformer, type Informer, type ResourceStore } from '@kedge/store';
import type { Node, Pod } from '@kedge/api';
import { Controller } from '../controller/controller.ts';
import { DeploymentReconciler } from './deployment-reconciler.ts';
import { PlacementReconciler } from './placement-reconciler.ts';
import { PodEviction } from './pod-eviction.ts';
import { Expectations, PodIndex } from './pod-index.ts';
import { ReplicaSetReconciler } from './replica-set-reconciler.ts';
import { WorkloadEvents } from './workload-events.ts';
import { keyOf, objectKey } from './workload-keys.ts';
import { controllerOf } from './workload-view.ts';

export interface WorkloadControllerOptions {
  store: ResourceStore;
  clock: Clock;
  log: Logger;
  /** How long pods stay on a NotReady/Unknown node without their own toleration (ms). */
  notReadyGraceMs: number;
  /** Interval between eviction passes (ms). */
  evictionCheckMs: number;
  /** Clock of the informers' retry backoff; default the system clock. */
  informerClock?: Clock;
}

export class WorkloadController {
  readonly #o: WorkloadControllerOptions;
  readonly #log: Logger;
  readonly #deployments: Controller;
  readonly #replicaSets: Controller;
  readonly #placement: Controller;
  #pods?: Informer<'Pod'>;
  #rsCache?: Informer<'ReplicaSet'>;
  #placer?: PlacementReconciler;
  #eviction?: PodEviction;
  readonly #events: WorkloadEvents;
  readonly #podIndex = new PodIndex();
  readonly #load = new NodeLoad();
  /** Keys of active pods without a node. */
  readonly #unbound = new Set<string>();
  /** placementFacts per node: heartbeats that change nothing else are ignored. */
  readonly #nodeFacts = new Map<string, string>();
  /** Nodes seen and then deleted (their pods are evicted at once). */
  readonly #deletedNodes = new Set<string>();
  #evicting = false;
  #evictAgain = false;
  readonly #expectations: Expectations;

  constructor(options: WorkloadControllerOptions) {
    this.#o = options;
    this.#log = options.log.child({ module: 'workload' });
    const now = (): number => options.clock.now();
    this.#events = new WorkloadEvents(options.store, options.clock, this.#log);
    this.#expectations = new Expectations(now);
    const deployments = new DeploymentReconciler(options.store, this.#log, now, this.#events, this.#podIndex);
    const replicaSets = new ReplicaSetReconciler({
      store: options.store,
      log: this.#log,
      now,
      events: this.#events,
      pods: this.#podIndex,
      allPods: () => this.#pods?.list() ?? [],
      expectations: this.#expectations,
    });
    const common = { clock: options.clock, log: this.#log };
    this.#deployments = new Controller({
      ...common,
      name: 'deployment',
      reconcile: (k) => deployments.reconcile(k),
    });
    this.#replicaSets = new Controller({
      ...common,
      name: 'replicaset',
      reconcile: (k) => replicaSets.reconcile(k),
    });
    this.#placement = new Controller({
      ...common,
      name: 'placement',
      workers: 1,
      reconcile: (k) => this.#placer!.reconcile(k),
    });
  }

  /** Runs until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    const { store } = this.#o;
    const base = { signal, log: this.#log, clock: this.#o.informerClock ?? systemClock };
    const nodes = createInformer(store, 'Node', {
      ...base,
      onEvent: (e) => this.#nodeChanged(e.object, e.type === 'DELETED'),
    });
    const pods = createInformer(store, 'Pod', {
      ...base,
      onEvent: (e) => this.#podChanged(e.object, e.type === 'DELETED'),
    });
    this.#pods = pods;
    this.#rsCache = createInformer(store, 'ReplicaSet', {
      ...base,
      onEvent: (e) => {
        this.#replicaSets.enqueue(objectKey(e.object));
        this.#enqueueOwner(e.object, 'Deployment', this.#deployments);
      },
    });
    const deployments = createInformer(store, 'Deployment', {
      ...base,
      onEvent: (e) => this.#deployments.enqueue(objectKey(e.object)),
    });
    const now = (): number => this.#o.clock.now();
    const placement = { nodes: () => nodes.list(), load: this.#load };
    this.#placer = new PlacementReconciler(store, placement, this.#log, now, this.#events);
    this.#eviction = new PodEviction({
      store,
      events: this.#events,
      nodes: () => nodes.list(),
      pods: () => pods.list(),
      deletedNodes: () => this.#deletedNodes,
      clock: this.#o.clock,
      log: this.#log,
      notReadyGraceMs: this.#o.notReadyGraceMs,
      checkPeriodMs: this.#o.evictionCheckMs,
    });
    try {
      await Promise.all([nodes.synced, pods.synced, this.#rsCache.synced, deployments.synced]);
    } catch (err: unknown) {
      if (signal.aborted) return;
      throw err;
    }
    this.#log.info(
      { notReadyGraceMs: this.#o.notReadyGraceMs },
      'workload controller running (embedded mode)',
    );
    await Promise.all([
      this.#deployments.run(signal),
      this.#replicaSets.run(signal),
      this.#placement.run(signal),
      this.#eviction.run(signal),
    ]);
  }

  #podChanged(pod: Pod, deleted: boolean): void {
    this.#podIndex.apply(pod, deleted);
    this.#load.apply(pod, deleted);
    const rs = this.#enqueueOwner(pod, 'ReplicaSet', this.#replicaSets);
    if (rs) this.#expectations.observe(keyOf(pod.metadata.namespace, rs), pod.metadata.name, deleted);
    const rsObject = rs ? this.#rsCache?.get(rs, pod.metadata.namespace) : undefined;
    if (rsObject) this.#enqueueOwner(rsObject, 'Deployment', this.#deployments);
    const key = objectKey(pod);
    if (!deleted && !pod.spec.nodeName && isPodActive(pod)) {
      this.#unbound.add(key);
      this.#placement.enqueue(key);
    } else {
      this.#unbound.delete(key);
    }
    if (deleted && pod.spec.nodeName) this.#enqueueUnbound();
  }

  #nodeChanged(node: Node, deleted: boolean): void {
    const name = node.metadata.name;
    const facts = deleted ? undefined : placementFacts(node);
    if (facts === this.#nodeFacts.get(name)) return;
    if (facts === undefined) this.#nodeFacts.delete(name);
    else this.#nodeFacts.set(name, facts);
    if (deleted) this.#deletedNodes.add(name);
    else this.#deletedNodes.delete(name);
    this.#enqueueUnbound();
    this.#evictSoon();
  }

  #enqueueUnbound(): void {
    for (const key of this.#unbound) this.#placement.enqueue(key);
  }

  /** An eviction pass now, or right after the one running (passes never overlap). */
  #evictSoon(): void {
    if (!this.#eviction) return;
    if (this.#evicting) {
      this.#evictAgain = true;
      return;
    }
    this.#evicting = true;
    this.#eviction
      .evictOnce()
      .catch((err: unknown) => this.#log.error({ err }, 'eviction pass failed'))
      .finally(() => {
        this.#evicting = false;
        if (this.#evictAgain) {
          this.#evictAgain = false;
          this.#evictSoon();
        }
      });
  }

  /** Enqueues the object's controller owner of `kind`; returns its name. */
  #enqueueOwner(
    obj: Parameters<typeof controllerOf>[0] & { metadata: { namespace?: string } },
    kind: string,
    queue: Controller,
  ): string | undefined {
    const owner = controllerOf(obj);
    if (owner?.kind !== kind) return undefined;
    queue.enqueue(keyOf(obj.metadata.namespace, owner.name));
    return owner.name;
  }
}
