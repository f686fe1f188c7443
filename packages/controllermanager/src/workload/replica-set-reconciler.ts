// Reconciles one ReplicaSet: creates or deletes pods to match spec.replicas
// (reading pods fresh from the store, so a pod created a moment ago is
// counted) and writes its status. A deleted ReplicaSet's pods are deleted.
import { isDeepStrictEqual } from 'node:util';
import { hasCode, type Pod } from '@kedge/api';
import type { Logger } from '@kedge/runtime';
import { mutate, type ResourceStore } from '@kedge/store';
import { Reconciled, type ReconcileResult } from '../controller/controller.ts';
import { planReplicas, podForReplicaSet } from './plan-replicas.ts';
import { EventSource, type WorkloadEvents } from './workload-events.ts';
import { parseKey } from './workload-keys.ts';
import { controllerOf } from './workload-view.ts';

export class ReplicaSetReconciler {
  readonly #store: ResourceStore;
  readonly #log: Logger;
  readonly #now: () => number;
  readonly #events: WorkloadEvents;

  constructor(store: ResourceStore, log: Logger, now: () => number, events: WorkloadEvents) {
    this.#store = store;
    this.#log = log;
    this.#now = now;
    this.#events = events;
  }

  async reconcile(key: string): Promise<ReconcileResult> {
    const { namespace, name } = parseKey(key);
    const rs = await this.#store.get('ReplicaSet', name, namespace);
    const pods = (await this.#store.list('Pod', { namespace })).items;
    const orphans = pods.filter((p) => {
      const owner = controllerOf(p);
      return owner?.kind === 'ReplicaSet' && owner.name === name && owner.uid !== rs?.metadata.uid;
    });
    for (const p of orphans) await this.#deletePod(p, `its ReplicaSet ${key} is gone`);
    if (rs === undefined || rs.metadata.deletionTimestamp !== undefined) return Reconciled.done;
    const step = planReplicas(rs, pods, this.#now());
    for (let i = 0; i < step.create; i++) {
      const pod = await this.#store.create('Pod', podForReplicaSet(rs));
      this.#log.info(
        { resource: `Pod/${pod.metadata.name}`, replicaSet: key },
        `created pod ${namespace}/${pod.metadata.name}`,
      );
      await this.#events.record(
        rs,
        EventSource.replicaSet,
        'Normal',
        'SuccessfulCreate',
        `Created pod: ${pod.metadata.name}`,
      );
    }
    const byName = new Map(pods.map((p) => [p.metadata.name, p]));
    for (const podName of step.delete) {
      if (await this.#deletePod(byName.get(podName)!, `ReplicaSet ${key} scaled down`)) {
        await this.#events.record(
          rs,
          EventSource.replicaSet,
          'Normal',
          'SuccessfulDelete',
          `Deleted pod: ${podName}`,
        );
      }
    }
    await mutate(
      this.#store,
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
  async #deletePod(pod: Pod, why: string): Promise<boolean> {
    try {
      await this.#store.delete('Pod', pod.metadata.name, pod.metadata.namespace);
      this.#log.info({ resource: `Pod/${pod.metadata.name}` }, `deleted pod ${pod.metadata.name}: ${why}`);
      return true;
    } catch (err: unknown) {
      if (!hasCode(err, 'KEDGE_STORE_NOT_FOUND')) throw err;
      return false;
    }
  }
}
