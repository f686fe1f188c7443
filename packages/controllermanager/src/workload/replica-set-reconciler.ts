// Reconciles one ReplicaSet: creates or deletes pods to match spec.replicas
// and writes its status. Pods come from the pod cache (indexed by owner);
// expectations keep it from acting again before the cache shows its last
// creates and deletes. A deleted ReplicaSet's pods are deleted.
import { isDeepStrictEqual } from 'node:util';
import { hasCode, type Pod } from '@kedge/api';
import type { Logger } from '@kedge/runtime';
import { mutate, type ResourceStore } from '@kedge/store';
import { Reconciled, type ReconcileResult } from '../controller/controller.ts';
import { planReplicas, podForReplicaSet } from './plan-replicas.ts';
import type { Expectations, PodIndex } from './pod-index.ts';
import { EventSource, type WorkloadEvents } from './workload-events.ts';
import { parseKey } from './workload-keys.ts';
import { controllerOf } from './workload-view.ts';

/** Pods created between two turns of the event loop (a turn per pod halves the create rate). */
const CREATES_PER_TURN = 50;

/** Resolves after the event loop's pending timers and I/O had their turn. */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Re-check of a ReplicaSet waiting for its expectations, at the latest. */
const EXPECTATION_RECHECK_MS = 1000;

export interface ReplicaSetReconcilerDeps {
  store: ResourceStore;
  log: Logger;
  now: () => number;
  events: WorkloadEvents;
  pods: PodIndex;
  /** Every cached pod (for the orphans of a deleted ReplicaSet). */
  allPods: () => Pod[];
  expectations: Expectations;
}

export class ReplicaSetReconciler {
  readonly #d: ReplicaSetReconcilerDeps;

  constructor(deps: ReplicaSetReconcilerDeps) {
    this.#d = deps;
  }

  async reconcile(key: string): Promise<ReconcileResult> {
    const { store, expectations } = this.#d;
    const waiting = expectations.pendingMs(key);
    if (waiting !== undefined) return Reconciled.requeueAfter(Math.min(waiting, EXPECTATION_RECHECK_MS));
    const { namespace, name } = parseKey(key);
    const rs = await store.get('ReplicaSet', name, namespace);
    const orphans = this.#d.allPods().filter((p) => {
      const owner = controllerOf(p);
      return (
        (p.metadata.namespace ?? 'default') === namespace &&
        owner?.kind === 'ReplicaSet' &&
        owner.name === name &&
        owner.uid !== rs?.metadata.uid
      );
    });
    for (const p of orphans) await this.#deletePod(key, p, `its ReplicaSet ${key} is gone`);
    if (rs === undefined || rs.metadata.deletionTimestamp !== undefined) return Reconciled.done;
    const pods = this.#d.pods.ownedBy(rs.metadata.uid);
    const step = planReplicas(rs, pods, this.#d.now());
    for (let i = 0; i < step.create; i++) {
      const pod = podForReplicaSet(rs);
      expectations.expectAdd(key, pod.metadata.name);
      try {
        await store.create('Pod', pod);
      } catch (err: unknown) {
        expectations.cancel(key, pod.metadata.name);
        throw err;
      }
      this.#d.log.info(
        { resource: `Pod/${pod.metadata.name}`, replicaSet: key },
        `created pod ${namespace}/${pod.metadata.name}`,
      );
      const message = `Created pod: ${pod.metadata.name}`;
      await this.#d.events.record(rs, EventSource.replicaSet, 'Normal', 'SuccessfulCreate', message);
      // The embedded store answers without a turn of the event loop: without a turn now and then,
      // the informers (timer-driven), and so the placement of the pods already created, wait for
      // the whole batch.
      if ((i + 1) % CREATES_PER_TURN === 0) await nextTurn();
    }
    const byName = new Map(pods.map((p) => [p.metadata.name, p]));
    for (const podName of step.delete) {
      if (await this.#deletePod(key, byName.get(podName)!, `ReplicaSet ${key} scaled down`)) {
        const message = `Deleted pod: ${podName}`;
        await this.#d.events.record(rs, EventSource.replicaSet, 'Normal', 'SuccessfulDelete', message);
      }
    }
    await mutate(
      store,
      'ReplicaSet',
      name,
      (fresh) => {
        if (fresh.metadata.uid !== rs.metadata.uid) return undefined;
        const status = { ...step.status, observedGeneration: fresh.metadata.generation ?? 0 };
        return isDeepStrictEqual(status, fresh.status) ? undefined : { ...fresh, status };
      },
      { status: true, namespace },
    );
    return Reconciled.done;
  }

  /** Deletes the pod; false when it was gone already. */
  async #deletePod(key: string, pod: Pod, why: string): Promise<boolean> {
    const { name, namespace } = pod.metadata;
    this.#d.expectations.expectDelete(key, name);
    try {
      await this.#d.store.delete('Pod', name, namespace);
      this.#d.log.info({ resource: `Pod/${name}` }, `deleted pod ${name}: ${why}`);
      return true;
    } catch (err: unknown) {
      this.#d.expectations.cancel(key, name);
      if (!hasCode(err, 'KEDGE_STORE_NOT_FOUND')) throw err;
      return false;
    }
  }
}
