// The embedded-mode stand-in for kube-controller-manager's endpointslice
// controller and kube-apiserver's ClusterIP allocator: every Service with a
// selector gets one EndpointSlice (planEndpointSlice) kept in step with its
// pods, and a Service stored without a clusterIP gets the lowest free
// address of the service CIDR. Informer events only enqueue Service keys;
// the reconcile reads the Service fresh and writes only what differs. A
// deleted Service's slice is deleted (the garbage collection kube would do).
// In cluster mode the real components do this and it stays off.
import { isDeepStrictEqual } from 'node:util';
import { hasCode, ServiceLabels, type EndpointSlice, type Pod, type Service } from '@kedge/api';
import { systemClock, type Clock, type Logger } from '@kedge/runtime';
import { createInformer, mutate, type Informer, type ResourceStore } from '@kedge/store';
import { Controller, Reconciled, type ReconcileResult } from '../../controller/controller.ts';
import { keyOf, objectKey, parseKey } from '../workload-keys.ts';
import { allocateClusterIP, EMBEDDED_SERVICE_CIDR, inCidr } from './cluster-ip.ts';
import { EMBEDDED_SLICE_MANAGER, planEndpointSlice, selectsPods } from './plan-endpoint-slice.ts';

export interface EndpointSliceControllerOptions {
  store: ResourceStore;
  clock: Clock;
  log: Logger;
  /** Where ClusterIPs come from (default EMBEDDED_SERVICE_CIDR). */
  serviceCIDR?: string;
  informerClock?: Clock;
}

export class EndpointSliceController {
  readonly #o: EndpointSliceControllerOptions;
  readonly #log: Logger;
  readonly #queue: Controller;
  #services?: Informer<'Service'>;
  #pods?: Informer<'Pod'>;
  /** Addresses this controller assigned (the Service cache may not show them yet). */
  readonly #assigned = new Set<string>();

  constructor(options: EndpointSliceControllerOptions) {
    this.#o = options;
    this.#log = options.log.child({ module: 'endpointslice' });
    // One worker: ClusterIP allocation reads the cache of used addresses and must not race itself.
    this.#queue = new Controller({
      name: 'endpointslice',
      clock: options.clock,
      log: this.#log,
      workers: 1,
      reconcile: (key) => this.#reconcile(key),
    });
  }

  async run(signal: AbortSignal): Promise<void> {
    const base = { signal, log: this.#log, clock: this.#o.informerClock ?? systemClock };
    this.#services = createInformer(this.#o.store, 'Service', {
      ...base,
      onEvent: (e) => this.#queue.enqueue(objectKey(e.object)),
    });
    this.#pods = createInformer(this.#o.store, 'Pod', {
      ...base,
      onEvent: (e) => this.#podChanged(e.object),
    });
    const slices = createInformer(this.#o.store, 'EndpointSlice', {
      ...base,
      onEvent: (e) => {
        const owner = e.object.metadata.labels?.[ServiceLabels.serviceName];
        if (owner) this.#queue.enqueue(keyOf(e.object.metadata.namespace, owner));
      },
    });
    try {
      await Promise.all([this.#services.synced, this.#pods.synced, slices.synced]);
    } catch (err: unknown) {
      if (signal.aborted) return;
      throw err;
    }
    this.#log.info({ serviceCIDR: this.#cidr() }, 'endpointslice controller running (embedded mode)');
    await this.#queue.run(signal);
  }

  #cidr(): string {
    return this.#o.serviceCIDR ?? EMBEDDED_SERVICE_CIDR;
  }

  /** A pod changed: every Service of its namespace may select it (before or after a label change). */
  #podChanged(pod: Pod): void {
    const ns = pod.metadata.namespace ?? 'default';
    for (const svc of this.#services?.list() ?? []) {
      if ((svc.metadata.namespace ?? 'default') === ns) this.#queue.enqueue(objectKey(svc));
    }
  }

  async #reconcile(key: string): Promise<ReconcileResult> {
    const { namespace, name } = parseKey(key);
    const { store } = this.#o;
    let svc = await store.get('Service', name, namespace);
    const current = await store.get('EndpointSlice', name, namespace);
    const ours = current?.metadata.labels?.[ServiceLabels.managedBy] === EMBEDDED_SLICE_MANAGER;
    if (!svc || svc.metadata.deletionTimestamp !== undefined || !selectsPods(svc)) {
      if (current && ours) await this.#deleteSlice(current, `Service ${key} is gone or selects no pods`);
      return Reconciled.done;
    }
    if (needsClusterIP(svc)) svc = await this.#assignClusterIP(svc);
    if (!svc) return Reconciled.done;
    const want = planEndpointSlice(svc, this.#pods?.list() ?? []);
    if (!current) {
      try {
        await store.create('EndpointSlice', want);
      } catch (err: unknown) {
        if (hasCode(err, 'KEDGE_STORE_ALREADY_EXISTS')) return Reconciled.requeueAfter(0);
        throw err;
      }
      this.#log.info({ resource: `EndpointSlice/${key}`, endpoints: want.endpoints?.length }, 'created');
      return Reconciled.done;
    }
    if (!ours) {
      this.#log.warn(
        { resource: `EndpointSlice/${key}` },
        'a slice of that name is managed by another writer; left alone',
      );
      return Reconciled.done;
    }
    await mutate(
      store,
      'EndpointSlice',
      name,
      (slice) =>
        sameSlice(slice, want)
          ? undefined
          : {
              ...slice,
              ...sliceContent(want),
              metadata: {
                ...slice.metadata,
                labels: want.metadata.labels,
                ownerReferences: want.metadata.ownerReferences,
              },
            },
      { namespace },
    );
    return Reconciled.done;
  }

  async #assignClusterIP(svc: Service): Promise<Service | undefined> {
    const used = new Set(this.#assigned);
    for (const s of this.#services?.list() ?? []) if (s.spec?.clusterIP) used.add(s.spec.clusterIP);
    const ip = allocateClusterIP(this.#cidr(), used);
    this.#assigned.add(ip);
    const stored = await mutate(
      this.#o.store,
      'Service',
      svc.metadata.name,
      (s) => (needsClusterIP(s) ? { ...s, spec: { ...s.spec, clusterIP: ip, clusterIPs: [ip] } } : undefined),
      { namespace: svc.metadata.namespace },
    );
    if (stored?.spec?.clusterIP === ip) {
      this.#log.info({ resource: `Service/${objectKey(svc)}`, clusterIP: ip }, 'ClusterIP assigned');
    }
    if (stored?.spec?.clusterIP && !inCidr(stored.spec.clusterIP, this.#cidr())) {
      this.#log.warn(
        {
          resource: `Service/${objectKey(svc)}`,
          clusterIP: stored.spec.clusterIP,
          serviceCIDR: this.#cidr(),
        },
        'the Service asks for a ClusterIP outside the service CIDR; kept as written',
      );
    }
    return stored;
  }

  async #deleteSlice(slice: EndpointSlice, why: string): Promise<void> {
    try {
      await this.#o.store.delete('EndpointSlice', slice.metadata.name, slice.metadata.namespace);
      this.#log.info({ resource: `EndpointSlice/${objectKey(slice)}` }, `deleted: ${why}`);
    } catch (err: unknown) {
      if (!hasCode(err, 'KEDGE_STORE_NOT_FOUND')) throw err;
    }
  }
}

/** A Service that should have a ClusterIP and has none (`None` is a headless Service). */
function needsClusterIP(svc: Service): boolean {
  const ip = svc.spec?.clusterIP;
  return svc.spec?.type !== 'ExternalName' && (ip === undefined || ip === '');
}

function sliceContent(s: EndpointSlice): Pick<EndpointSlice, 'addressType' | 'endpoints' | 'ports'> {
  return { addressType: s.addressType, endpoints: s.endpoints ?? [], ports: s.ports ?? [] };
}

function sameSlice(a: EndpointSlice, b: EndpointSlice): boolean {
  return (
    isDeepStrictEqual(sliceContent(a), sliceContent(b)) &&
    isDeepStrictEqual(a.metadata.ownerReferences, b.metadata.ownerReferences) &&
    isDeepStrictEqual(a.metadata.labels, b.metadata.labels)
  );
}
