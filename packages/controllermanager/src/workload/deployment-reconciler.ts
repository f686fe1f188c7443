// Reconciles one Deployment: reads it and its ReplicaSets fresh from the
// store and their pods from the pod cache, applies the planner's next step (create or scale a
// ReplicaSet), prunes ReplicaSets past revisionHistoryLimit, and writes the
// status when it changed. A deleted Deployment's ReplicaSets are deleted
// (the garbage collection kube-controller-manager would do).
import { isDeepStrictEqual } from 'node:util';
import { hasCode, WorkloadAnnotations, type Deployment, type ReplicaSet } from '@kedge/api';
import type { Logger } from '@kedge/runtime';
import { mutate, type ResourceStore } from '@kedge/store';
import { Reconciled, type ReconcileResult } from '../controller/controller.ts';
import { deploymentStatus } from './deployment-status.ts';
import { planRollout } from './plan-rollout.ts';
import type { PodIndex } from './pod-index.ts';
import { EventSource, type WorkloadEvents } from './workload-events.ts';
import { parseKey } from './workload-keys.ts';
import { controllerOf, viewWorkload, type WorkloadView } from './workload-view.ts';

const DEFAULT_HISTORY = 10;

export class DeploymentReconciler {
  readonly #store: ResourceStore;
  readonly #log: Logger;
  readonly #now: () => number;
  readonly #events: WorkloadEvents;
  readonly #pods: PodIndex;

  constructor(store: ResourceStore, log: Logger, now: () => number, events: WorkloadEvents, pods: PodIndex) {
    this.#store = store;
    this.#log = log;
    this.#now = now;
    this.#events = events;
    this.#pods = pods;
  }

  async reconcile(key: string): Promise<ReconcileResult> {
    const { namespace, name } = parseKey(key);
    const d = await this.#store.get('Deployment', name, namespace);
    const replicaSets = (await this.#store.list('ReplicaSet', { namespace })).items;
    const named = replicaSets.filter((rs) => {
      const owner = controllerOf(rs);
      return owner?.kind === 'Deployment' && owner.name === name;
    });
    const orphans = named.filter((rs) => d === undefined || controllerOf(rs)?.uid !== d.metadata.uid);
    for (const rs of orphans) await this.#delete(rs, `its Deployment ${key} is gone`);
    if (d === undefined || d.metadata.deletionTimestamp !== undefined) return Reconciled.done;
    const own = named.filter((rs) => !orphans.includes(rs));
    const pods = own.flatMap((rs) => this.#pods.ownedBy(rs.metadata.uid));
    const now = this.#now();
    const view = viewWorkload(d, own, pods, now);
    const step = planRollout(d, view);
    if (step.create) {
      if (!(await this.#createReplicaSet(d, step.create))) return Reconciled.requeueAfter(0);
      this.#log.info(
        {
          resource: `ReplicaSet/${step.create.metadata.name}`,
          deployment: key,
          replicas: step.create.spec.replicas,
        },
        `created ReplicaSet ${step.create.metadata.name} for Deployment ${key}`,
      );
    }
    if (step.create && (step.create.spec.replicas ?? 0) > 0) {
      const { name: rsName } = step.create.metadata;
      await this.#scaledEvent(d, `Scaled up replica set ${rsName} to ${step.create.spec.replicas ?? 0}`);
    }
    for (const s of step.scale) await this.#scale(d, namespace, s.name, s.replicas);
    await this.#pruneHistory(d, view);
    await this.#writeStatus(d, viewWorkload(d, own, pods, now), now);
    return view.availableInMs !== undefined ? Reconciled.requeueAfter(view.availableInMs) : Reconciled.done;
  }

  async #scale(d: Deployment, namespace: string, name: string, replicas: number): Promise<void> {
    let from: number | undefined;
    await mutate(
      this.#store,
      'ReplicaSet',
      name,
      (rs) => {
        if (rs.spec.replicas === replicas) return undefined;
        from = rs.spec.replicas ?? 1;
        rs.spec.replicas = replicas;
        rs.metadata.annotations = {
          ...rs.metadata.annotations,
          [WorkloadAnnotations.desiredReplicas]: String(d.spec.replicas ?? 1),
        };
        return rs;
      },
      { namespace },
    );
    if (from === undefined) return;
    this.#log.info(
      { resource: `ReplicaSet/${name}`, replicas },
      `scaled ReplicaSet ${namespace}/${name} to ${replicas}`,
    );
    await this.#scaledEvent(
      d,
      `Scaled ${replicas > from ? 'up' : 'down'} replica set ${name} to ${replicas} from ${from}`,
    );
  }

  #scaledEvent(d: Deployment, message: string): Promise<void> {
    return this.#events.record(d, EventSource.deployment, 'Normal', 'ScalingReplicaSet', message);
  }

  /**
   * Creates the ReplicaSet; false when its name is taken by one this
   * Deployment does not own: then status.collisionCount goes up, which
   * changes the pod-template-hash (and so the name), as in Kubernetes.
   */
  async #createReplicaSet(d: Deployment, rs: ReplicaSet): Promise<boolean> {
    try {
      await this.#store.create('ReplicaSet', rs);
      return true;
    } catch (err: unknown) {
      if (!hasCode(err, 'KEDGE_STORE_ALREADY_EXISTS')) throw err;
    }
    const { name, namespace } = rs.metadata;
    const taken = await this.#store.get('ReplicaSet', name, namespace);
    if (taken !== undefined && controllerOf(taken)?.uid === d.metadata.uid) return true;
    await mutate(
      this.#store,
      'Deployment',
      d.metadata.name,
      (fresh) => {
        if (fresh.metadata.uid !== d.metadata.uid) return undefined;
        if ((fresh.status?.collisionCount ?? 0) !== (d.status?.collisionCount ?? 0)) return undefined;
        return {
          ...fresh,
          status: { ...fresh.status, collisionCount: (fresh.status?.collisionCount ?? 0) + 1 },
        };
      },
      { status: true, ...(namespace ? { namespace } : {}) },
    );
    this.#log.warn(
      { resource: `ReplicaSet/${name}`, deployment: d.metadata.name },
      `ReplicaSet ${namespace ?? 'default'}/${name} exists and is not Deployment ${d.metadata.name}'s; collisionCount raised`,
    );
    return false;
  }

  async #pruneHistory(d: Deployment, view: WorkloadView): Promise<void> {
    const idle = view.old.filter((v) => v.spec === 0 && v.active === 0);
    const excess = idle.length - (d.spec.revisionHistoryLimit ?? DEFAULT_HISTORY);
    for (const v of idle.slice(0, Math.max(0, excess))) await this.#delete(v.rs, 'past revisionHistoryLimit');
  }

  async #writeStatus(d: Deployment, view: WorkloadView, now: number): Promise<void> {
    const ns = d.metadata.namespace;
    await mutate(
      this.#store,
      'Deployment',
      d.metadata.name,
      (fresh) => {
        if (fresh.metadata.uid !== d.metadata.uid) return undefined;
        const status = deploymentStatus(fresh, view, now);
        if (isDeepStrictEqual(status, fresh.status)) return undefined;
        return { ...fresh, status };
      },
      { status: true, ...(ns ? { namespace: ns } : {}) },
    );
  }

  async #delete(rs: ReplicaSet, why: string): Promise<void> {
    try {
      await this.#store.delete('ReplicaSet', rs.metadata.name, rs.metadata.namespace);
      this.#log.info(
        { resource: `ReplicaSet/${rs.metadata.name}` },
        `deleted ReplicaSet ${rs.metadata.name}: ${why}`,
      );
    } catch (err: unknown) {
      if (!hasCode(err, 'KEDGE_STORE_NOT_FOUND')) throw err;
    }
  }
}
