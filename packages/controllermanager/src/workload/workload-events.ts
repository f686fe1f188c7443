// Events about workload objects, as the Kubernetes components that own
// these decisions write them (`kedgectl describe` and the dashboard show
// them): ScalingReplicaSet, SuccessfulCreate/SuccessfulDelete, Scheduled,
// FailedScheduling, TaintManagerEviction. Recording never fails a reconcile:
// a failed write is logged.
import { errorMessage, rfc3339, type Event, type EventType } from '@kedge/api';
import type { Clock, Logger } from '@kedge/runtime';
import type { ResourceStore } from '@kedge/store';

export const EventSource = {
  deployment: 'deployment-controller',
  replicaSet: 'replicaset-controller',
  scheduler: 'default-scheduler',
  eviction: 'taint-eviction-controller',
  edgeApplication: 'edgeapplication-controller',
} as const;
export type EventSource = (typeof EventSource)[keyof typeof EventSource];

interface Involved {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; uid?: string };
}

export class WorkloadEvents {
  readonly #store: ResourceStore;
  readonly #clock: Clock;
  readonly #log: Logger;
  #seq = 0;

  constructor(store: ResourceStore, clock: Clock, log: Logger) {
    this.#store = store;
    this.#clock = clock;
    this.#log = log;
  }

  async record(
    obj: Involved,
    source: EventSource,
    type: EventType,
    reason: string,
    message: string,
  ): Promise<void> {
    const now = this.#clock.now();
    const time = rfc3339(new Date(now));
    const namespace = obj.metadata.namespace ?? 'default';
    const suffix = `${now.toString(16)}${(this.#seq++ % 4096).toString(16).padStart(3, '0')}`;
    const event: Event = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: `${obj.metadata.name}.${suffix}`, namespace },
      involvedObject: {
        apiVersion: obj.apiVersion,
        kind: obj.kind,
        name: obj.metadata.name,
        namespace,
        ...(obj.metadata.uid ? { uid: obj.metadata.uid } : {}),
      },
      type,
      reason,
      message: message.slice(0, 1024),
      source: { component: source },
      firstTimestamp: time,
      lastTimestamp: time,
      count: 1,
    };
    try {
      await this.#store.create('Event', event);
    } catch (err: unknown) {
      this.#log.warn(
        { err: errorMessage(err), resource: `${obj.kind}/${obj.metadata.name}` },
        `could not record event ${reason} for ${obj.kind} ${namespace}/${obj.metadata.name}`,
      );
    }
  }
}
