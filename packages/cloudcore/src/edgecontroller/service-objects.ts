// What every edge node is sent for its service proxy: every Service, and
// every EndpointSlice as that node may see it (endpoint-filter.ts), from
// informers on Services, EndpointSlices and Nodes. A Service or slice change
// concerns every node; a node whose belonging-to label changed (moved
// between groups) changes what the members of both groups see, so every
// node is re-planned then too. Heartbeats that leave the label alone are
// ignored. The filtered copies are computed once per slice version, Service
// version and group (not once per node), and forgotten when any node changes
// group.
import { NodeLabels, type EndpointSlice, type Node, type Service } from '@kedge/api';
import type { Logger } from '@kedge/runtime';
import { createInformer, type Informer, type ResourceStore, type WatchEvent } from '@kedge/store';
import { serviceNameOf, sliceForNode } from './endpoint-filter.ts';
import type { DesiredObject } from './sync-plan.ts';

export interface ServiceObjectsOptions {
  store: ResourceStore;
  log: Logger;
  signal: AbortSignal;
  /** Called with the nodes whose desired set may have changed. */
  onChange: (nodes: Iterable<string>) => void;
}

export class ServiceObjects {
  readonly synced: Promise<void>;
  readonly #services: Informer<'Service'>;
  readonly #slices: Informer<'EndpointSlice'>;
  readonly #nodes: Informer<'Node'>;
  /** node -> its group, as last seen (absent: in no group). */
  readonly #groups = new Map<string, string>();
  readonly #onChange: ServiceObjectsOptions['onChange'];
  /** `<slice uid>/<slice rv>/<service rv>/<group>` -> the slice as that group sees it. */
  #seen = new Map<string, { object: EndpointSlice; resourceVersion: string }>();

  constructor(o: ServiceObjectsOptions) {
    this.#onChange = o.onChange;
    const common = { signal: o.signal, log: o.log };
    const everyNode = () => this.#onChange(this.#nodes.list().map((n) => n.metadata.name));
    this.#services = createInformer(o.store, 'Service', { ...common, onEvent: everyNode });
    this.#slices = createInformer(o.store, 'EndpointSlice', { ...common, onEvent: everyNode });
    this.#nodes = createInformer(o.store, 'Node', { ...common, onEvent: (e) => this.#nodeEvent(e) });
    this.synced = Promise.all([this.#services.synced, this.#slices.synced, this.#nodes.synced]).then(
      () => undefined,
    );
  }

  /** The group of `node` (its apps.kubeedge.io/belonging-to label), if any. */
  groupOf = (node: string): string | undefined => this.#groups.get(node);

  /** Every Service and every EndpointSlice as `node` may see it. */
  desired(node: string): DesiredObject[] {
    const out: DesiredObject[] = [];
    for (const svc of this.#services.list()) {
      const d = desiredOf('Service', svc, svc.metadata.resourceVersion ?? '');
      if (d) out.push(d);
    }
    for (const slice of this.#slices.list()) {
      const seen = this.slice(node, slice);
      const d = desiredOf('EndpointSlice', seen.object, seen.resourceVersion);
      if (d) out.push(d);
    }
    return out;
  }

  /** The slice as `node` may see it. */
  slice(node: string, slice: EndpointSlice): { object: EndpointSlice; resourceVersion: string } {
    const owner = serviceNameOf(slice);
    const svc = owner ? this.#services.get(owner, slice.metadata.namespace) : undefined;
    const m = slice.metadata;
    const key = `${m.uid ?? m.name}/${m.resourceVersion ?? ''}/${svc?.metadata.resourceVersion ?? '-'}/${this.groupOf(node) ?? ''}`;
    let seen = this.#seen.get(key);
    if (!seen) {
      seen = sliceForNode(slice, svc, node, this.groupOf);
      // Keys of older versions pile up until the next group change; bounded here.
      if (this.#seen.size > 100_000) this.#seen.clear();
      this.#seen.set(key, seen);
    }
    return seen;
  }

  /** The object as `node` may read it, or undefined when it does not exist. */
  get(node: string, kind: 'Service' | 'EndpointSlice', namespace: string, name: string): unknown {
    if (kind === 'Service') return this.#services.get(name, namespace);
    const slice = this.#slices.get(name, namespace);
    return slice ? this.slice(node, slice).object : undefined;
  }

  #nodeEvent(e: WatchEvent<'Node'>): void {
    const name = e.object.metadata.name;
    const before = this.#groups.get(name);
    const after = e.type === 'DELETED' ? undefined : groupLabel(e.object);
    if (before === after) return;
    if (after === undefined) this.#groups.delete(name);
    else this.#groups.set(name, after);
    this.#seen = new Map();
    this.#onChange([name, ...this.#nodes.list().map((n) => n.metadata.name)]);
  }
}

function groupLabel(node: Node): string | undefined {
  const g = node.metadata.labels?.[NodeLabels.belongingTo];
  return g === undefined || g === '' ? undefined : g;
}

function desiredOf(
  kind: 'Service' | 'EndpointSlice',
  object: Service | EndpointSlice,
  resourceVersion: string,
): DesiredObject | undefined {
  const m = object.metadata;
  if (!m.uid) return undefined;
  return { uid: m.uid, kind, namespace: m.namespace ?? 'default', name: m.name, resourceVersion, object };
}
