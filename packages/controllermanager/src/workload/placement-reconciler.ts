// Places one unbound pod: binds it (spec.nodeName, then PodScheduled=True) or
// marks it PodScheduled=False reason Unschedulable with kube-scheduler's
// message and tries again later. What is on each node comes from NodeLoad,
// where a binding counts as soon as it is made (before the cache shows it),
// so two pods placed back to back both count.
import { rfc3339, type Node, type Pod, type PodCondition } from '@kedge/api';
import type { Logger } from '@kedge/runtime';
import { mutate, type ResourceStore } from '@kedge/store';
import { Reconciled, type ReconcileResult } from '../controller/controller.ts';
import type { NodeLoad } from './node-load.ts';
import { placePod } from './plan-placement.ts';
import { isPodActive } from './rollout-math.ts';
import { EventSource, type WorkloadEvents } from './workload-events.ts';
import { parseKey } from './workload-keys.ts';

/** Retry of an unschedulable pod when no node or pod event comes sooner. */
const UNSCHEDULABLE_RETRY_MS = 30_000;

export interface PlacementCaches {
  nodes(): Node[];
  load: NodeLoad;
}

export class PlacementReconciler {
  /** Where the next search starts (kube-scheduler's rotation, for fairness when it samples). */
  #start = 0;
  readonly #store: ResourceStore;
  readonly #caches: PlacementCaches;
  readonly #log: Logger;
  readonly #now: () => number;
  readonly #events: WorkloadEvents;

  constructor(
    store: ResourceStore,
    caches: PlacementCaches,
    log: Logger,
    now: () => number,
    events: WorkloadEvents,
  ) {
    this.#store = store;
    this.#caches = caches;
    this.#log = log;
    this.#now = now;
    this.#events = events;
  }

  async reconcile(key: string): Promise<ReconcileResult> {
    const { namespace, name } = parseKey(key);
    const pod = await this.#store.get('Pod', name, namespace);
    if (!pod || pod.spec.nodeName || !isPodActive(pod)) return Reconciled.done;
    const nodes = this.#caches.nodes();
    const load = this.#caches.load;
    const decision = placePod(pod, nodes, (n) => load.usage(n), this.#start);
    if (decision.type === 'bind' && decision.evaluated !== undefined) {
      this.#start = (this.#start + decision.evaluated) % nodes.length;
    }
    if (decision.type === 'unschedulable') {
      const changed = await this.#setScheduled(pod, {
        status: 'False',
        reason: 'Unschedulable',
        message: decision.message,
      });
      if (changed) {
        this.#log.info(
          { resource: `Pod/${name}`, namespace },
          `pod ${key} unschedulable: ${decision.message}`,
        );
        await this.#events.record(
          pod,
          EventSource.scheduler,
          'Warning',
          'FailedScheduling',
          decision.message,
        );
      }
      return Reconciled.requeueAfter(UNSCHEDULABLE_RETRY_MS);
    }
    const done = await mutate(
      this.#store,
      'Pod',
      name,
      (fresh) => {
        if (fresh.metadata.uid !== pod.metadata.uid || fresh.spec.nodeName) return undefined;
        fresh.spec.nodeName = decision.nodeName;
        return fresh;
      },
      { namespace },
    );
    if (done?.spec.nodeName !== decision.nodeName) return Reconciled.done;
    load.assume(done, decision.nodeName);
    await this.#setScheduled(done, { status: 'True' });
    this.#log.info(
      { resource: `Pod/${name}`, namespace, node: decision.nodeName },
      `bound pod ${key} to ${decision.nodeName}`,
    );
    const message = `Successfully assigned ${key} to ${decision.nodeName}`;
    await this.#events.record(done, EventSource.scheduler, 'Normal', 'Scheduled', message);
    return Reconciled.done;
  }

  /** Sets the PodScheduled condition; false when it already said that. */
  async #setScheduled(pod: Pod, c: Pick<PodCondition, 'status' | 'reason' | 'message'>): Promise<boolean> {
    let changed = false;
    await mutate(
      this.#store,
      'Pod',
      pod.metadata.name,
      (fresh) => {
        if (fresh.metadata.uid !== pod.metadata.uid) return undefined;
        const conditions = fresh.status?.conditions ?? [];
        const before = conditions.find((x) => x.type === 'PodScheduled');
        if (before?.status === c.status && before.reason === c.reason && before.message === c.message)
          return undefined;
        changed = true;
        const condition: PodCondition = {
          type: 'PodScheduled',
          ...c,
          lastProbeTime: null,
          lastTransitionTime:
            before?.status === c.status && before.lastTransitionTime
              ? before.lastTransitionTime
              : rfc3339(new Date(this.#now())),
        };
        return {
          ...fresh,
          status: {
            phase: 'Pending',
            ...fresh.status,
            conditions: [...conditions.filter((x) => x.type !== 'PodScheduled'), condition],
          },
        };
      },
      { status: true, ...(pod.metadata.namespace ? { namespace: pod.metadata.namespace } : {}) },
    );
    return changed;
  }
}
