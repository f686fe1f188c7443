// The NodeGroup controller (apps.kubeedge.io/v1alpha1): labels each member
// apps.kubeedge.io/belonging-to=<group> (and topology.kubernetes.io/zone
// with topologyEnabled), keeps a node in at most one group, reports each
// selected node in status.nodeStatuses, unlabels nodes that leave and
// deletes the pods the group placed on them, and unlabels every member
// before a deleted group goes (finalizer). Node and group events only
// enqueue group names; each reconcile reads the group fresh, nodes from the
// cache, and writes nodes through mutate, so two groups racing for one node
// cannot both win (the loser sees the winner's label on its re-read).
import { isDeepStrictEqual } from 'node:util';
import { NODE_GROUP_FINALIZER, NodeGroupLabels, type Node, type NodeGroupMemberStatus } from '@kedge/api';
import { systemClock, type Clock, type Logger } from '@kedge/runtime';
import { createInformer, mutate, type Informer, type ResourceStore } from '@kedge/store';
import { Controller, Reconciled, type ReconcileResult } from '../controller/controller.ts';
import { evictGroupPods } from './group-pods.ts';
import { claimNode, releaseNode } from './member-labels.ts';
import {
  memberStatus,
  missingStatus,
  planMembership,
  readyStatusOf,
  selectsNode,
  sortStatuses,
  unlabelableReason,
} from './plan-membership.ts';

export interface NodeGroupControllerOptions {
  store: ResourceStore;
  clock: Clock;
  log: Logger;
  /** Clock of the informers' retry backoff; default the system clock. */
  informerClock?: Clock;
}

export class NodeGroupController {
  readonly #o: NodeGroupControllerOptions;
  readonly #log: Logger;
  readonly #controller: Controller;
  #nodes?: Informer<'Node'>;
  #groups?: Informer<'NodeGroup'>;
  /** Labels and readiness per node as last seen: heartbeats that change neither are ignored. */
  readonly #seen = new Map<string, { facts: string; group: string | undefined }>();

  constructor(options: NodeGroupControllerOptions) {
    this.#o = options;
    this.#log = options.log.child({ module: 'nodegroup' });
    this.#controller = new Controller({
      name: 'nodegroup',
      clock: options.clock,
      log: this.#log,
      workers: 1,
      reconcile: (name) => this.reconcile(name),
    });
  }

  /** Runs until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    const base = { signal, log: this.#log, clock: this.#o.informerClock ?? systemClock };
    this.#groups = createInformer(this.#o.store, 'NodeGroup', {
      ...base,
      onEvent: (e) => this.#controller.enqueue(e.object.metadata.name),
    });
    this.#nodes = createInformer(this.#o.store, 'Node', {
      ...base,
      onEvent: (e) => this.#nodeChanged(e.object, e.type === 'DELETED'),
    });
    try {
      await Promise.all([this.#groups.synced, this.#nodes.synced]);
    } catch (err: unknown) {
      if (signal.aborted) return;
      throw err;
    }
    // Groups deleted while no controller ran still have labelled members.
    for (const node of this.#nodes.list()) {
      const group = node.metadata.labels?.[NodeGroupLabels.belongingTo];
      if (group !== undefined) this.#controller.enqueue(group);
    }
    this.#log.info('node group controller running');
    await this.#controller.run(signal);
  }

  #nodeChanged(node: Node, deleted: boolean): void {
    const name = node.metadata.name;
    const group = node.metadata.labels?.[NodeGroupLabels.belongingTo];
    const facts = deleted ? '' : JSON.stringify([node.metadata.labels ?? {}, readyStatusOf(node)]);
    const before = this.#seen.get(name);
    if (before?.facts === facts) return;
    if (deleted) this.#seen.delete(name);
    else this.#seen.set(name, { facts, group });
    const wake = new Set<string>();
    if (before?.group !== undefined) wake.add(before.group);
    if (group !== undefined) wake.add(group);
    for (const g of this.#groups?.list() ?? []) {
      if (selectsNode(g, node)) wake.add(g.metadata.name);
    }
    for (const g of wake) this.#controller.enqueue(g);
  }

  async reconcile(name: string): Promise<ReconcileResult> {
    const { store } = this.#o;
    const nodes = this.#nodes?.list() ?? [];
    const group = await store.get('NodeGroup', name);
    if (group === undefined || group.metadata.deletionTimestamp !== undefined) {
      for (const n of nodes) {
        if (n.metadata.labels?.[NodeGroupLabels.belongingTo] === name)
          await this.#release(n.metadata.name, name);
      }
      if (group !== undefined) await this.#dropFinalizer(name);
      return Reconciled.done;
    }
    if (!(group.metadata.finalizers ?? []).includes(NODE_GROUP_FINALIZER)) {
      await mutate(store, 'NodeGroup', name, (g) => {
        if (g.metadata.deletionTimestamp !== undefined) return undefined;
        const finalizers = g.metadata.finalizers ?? [];
        if (finalizers.includes(NODE_GROUP_FINALIZER)) return undefined;
        g.metadata.finalizers = [...finalizers, NODE_GROUP_FINALIZER];
        return g;
      });
    }
    const plan = planMembership(group, nodes);
    for (const n of plan.released) await this.#release(n.metadata.name, name);
    const unlabelable = unlabelableReason(name);
    const topology = group.spec.topologyEnabled === true;
    const statuses: NodeGroupMemberStatus[] = [];
    for (const n of plan.selected) {
      const failure = unlabelable ?? (await claimNode(this.#o.store, n.metadata.name, name, topology));
      statuses.push(memberStatus(n, failure));
    }
    statuses.push(...plan.missing.map(missingStatus));
    const nodeStatuses = sortStatuses(statuses);
    await mutate(
      store,
      'NodeGroup',
      name,
      (g) => {
        if (g.metadata.uid !== group.metadata.uid) return undefined;
        if (isDeepStrictEqual(g.status?.nodeStatuses ?? [], nodeStatuses)) return undefined;
        return { ...g, status: { ...g.status, nodeStatuses } };
      },
      { status: true },
    );
    return Reconciled.done;
  }

  /** Removes the group's labels from the node, then deletes the pods the group placed there. */
  async #release(nodeName: string, group: string): Promise<void> {
    if (!(await releaseNode(this.#o.store, nodeName, group))) return;
    this.#log.info({ node: nodeName, nodeGroup: group }, `node ${nodeName} left node group ${group}`);
    await evictGroupPods(this.#o.store, nodeName, group, this.#log);
  }

  async #dropFinalizer(name: string): Promise<void> {
    await mutate(this.#o.store, 'NodeGroup', name, (g) => {
      const finalizers = g.metadata.finalizers ?? [];
      if (!finalizers.includes(NODE_GROUP_FINALIZER)) return undefined;
      g.metadata.finalizers = finalizers.filter((f) => f !== NODE_GROUP_FINALIZER);
      return g;
    });
    this.#log.info({ nodeGroup: name }, `node group ${name} deleted: members unlabelled`);
  }
}
