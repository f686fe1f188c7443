// Runs the eviction planner over the caches every checkPeriodMs (and when
// asked, on node changes): deletes, conditioned on the version judged, each
// pod whose node is gone, NotReady past its grace, or NoExecute-tainted.
import { errorMessage, hasCode, type Node, type Pod } from '@kedge/api';
import type { Clock, Logger } from '@kedge/runtime';
import type { ResourceStore } from '@kedge/store';
import { planEviction } from './plan-eviction.ts';
import { EventSource, type WorkloadEvents } from './workload-events.ts';

export interface PodEvictionOptions {
  store: ResourceStore;
  nodes(): Node[];
  pods(): Pod[];
  clock: Clock;
  log: Logger;
  notReadyGraceMs: number;
  /** Nodes seen and then deleted. */
  deletedNodes(): ReadonlySet<string>;
  checkPeriodMs: number;
  events: WorkloadEvents;
}

export class PodEviction {
  readonly #o: PodEvictionOptions;

  constructor(o: PodEvictionOptions) {
    this.#o = o;
  }

  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      await this.evictOnce();
      try {
        await this.#o.clock.sleep(this.#o.checkPeriodMs, signal);
      } catch {
        return;
      }
    }
  }

  /** One pass; resolves with the keys of the pods it deleted. */
  async evictOnce(): Promise<string[]> {
    const plan = planEviction(
      this.#o.pods(),
      this.#o.nodes(),
      this.#o.clock.now(),
      this.#o.notReadyGraceMs,
      this.#o.deletedNodes(),
    );
    const done: string[] = [];
    for (const { pod, reason } of plan.evict) {
      const { name, namespace, resourceVersion } = pod.metadata;
      try {
        await this.#o.store.delete('Pod', name, namespace, resourceVersion ? { resourceVersion } : {});
        done.push(`${namespace}/${name}`);
        this.#o.log.warn(
          { resource: `Pod/${name}`, namespace, node: pod.spec.nodeName },
          `evicted pod ${namespace}/${name}: ${reason}`,
        );
        const message = `Marking for deletion Pod ${namespace ?? 'default'}/${name}: ${reason}`;
        await this.#o.events.record(pod, EventSource.eviction, 'Normal', 'TaintManagerEviction', message);
      } catch (err: unknown) {
        if (hasCode(err, 'KEDGE_STORE_NOT_FOUND') || hasCode(err, 'KEDGE_STORE_CONFLICT')) continue;
        this.#o.log.error(
          { err, resource: `Pod/${name}` },
          `could not evict pod ${namespace}/${name}: ${errorMessage(err)}`,
        );
      }
    }
    return done;
  }
}
