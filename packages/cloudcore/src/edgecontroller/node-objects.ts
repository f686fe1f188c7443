// What each node may hold, from informers on Pods, ConfigMaps and Secrets:
// an index of pods by spec.nodeName, the node's desired set (its pods and
// the objects they reference, plus every Service and EndpointSlice as the
// node may see them: service-objects.ts) and the node authorizer's question
// "may this node read that object?". Changes are reported as the nodes they
// concern. A reverse index (object -> nodes whose pods reference it) answers
// both questions without walking the pods: a ConfigMap write (every
// ObjectSync record is one) must not cost a scan of 100,000 pods.
import type { Pod } from '@kedge/api';
import type { Logger } from '@kedge/runtime';
import { createInformer, type Informer, type ResourceStore, type WatchEvent } from '@kedge/store';
import { objectKey, podReferences, type SyncedKind } from './pod-references.ts';
import type { NodeTokens } from './sa-tokens/node-tokens.ts';
import { ServiceObjects } from './service-objects.ts';
import { desiredObjects, type DesiredObject } from './sync-plan.ts';

export interface NodeObjectsOptions {
  store: ResourceStore;
  log: Logger;
  signal: AbortSignal;
  /** Called with the nodes whose desired set may have changed. */
  onChange: (nodes: Iterable<string>) => void;
  /** The ServiceAccount tokens of the nodes' pods; omitted = none are sent. */
  tokens?: NodeTokens | undefined;
}

const podKey = (p: Pod) => `${p.metadata.namespace ?? 'default'}/${p.metadata.name}`;

export class NodeObjects {
  /** Resolves once start()'s informers hold their first list. */
  readonly synced: Promise<void>;
  readonly #o: NodeObjectsOptions;
  #settleSynced: (listed: Promise<unknown>) => void = () => undefined;
  #pods: Informer<'Pod'> | undefined;
  #configMaps: Informer<'ConfigMap'> | undefined;
  #secrets: Informer<'Secret'> | undefined;
  #services: ServiceObjects | undefined;
  readonly #byNode = new Map<string, Map<string, Pod>>();
  /** pod key -> the node it is indexed under. */
  readonly #nodeOf = new Map<string, string>();
  /** ConfigMap/Secret key -> node -> how many of that node's pods reference it. */
  readonly #referencedBy = new Map<string, Map<string, number>>();
  readonly #tokens: NodeTokens | undefined;

  constructor(o: NodeObjectsOptions) {
    this.#tokens = o.tokens;
    this.#o = o;
    this.synced = new Promise((resolve, reject) => {
      this.#settleSynced = (listed) => {
        listed.then(() => resolve(), reject);
      };
    });
    this.synced.catch(() => undefined); // callers that await it still see the rejection
  }

  /** Opens the informers (until the options' signal aborts); before, every node holds nothing. */
  start(): void {
    if (this.#pods) return;
    const { store, signal, log, onChange } = this.#o;
    const common = { signal, log };
    this.#pods = createInformer(store, 'Pod', { ...common, onEvent: (e) => this.#podEvent(e) });
    const referenced = (kind: 'ConfigMap' | 'Secret') => (e: WatchEvent<'ConfigMap' | 'Secret'>) =>
      onChange(this.nodesReferencing(kind, e.object.metadata.namespace ?? 'default', e.object.metadata.name));
    this.#configMaps = createInformer(store, 'ConfigMap', { ...common, onEvent: referenced('ConfigMap') });
    this.#secrets = createInformer(store, 'Secret', { ...common, onEvent: referenced('Secret') });
    this.#services = new ServiceObjects({ ...common, store, onChange });
    this.#settleSynced(
      Promise.all([this.#pods.synced, this.#configMaps.synced, this.#secrets.synced, this.#services.synced]),
    );
  }

  /** The pods bound to `node`. */
  podsOn(node: string): Pod[] {
    return [...(this.#byNode.get(node)?.values() ?? [])];
  }

  /** The node a pod is bound to, if the pod exists and is bound. */
  nodeOfPod(namespace: string, name: string): string | undefined {
    return this.#pods?.get(name, namespace)?.spec.nodeName;
  }

  desired(node: string): DesiredObject[] {
    const own = desiredObjects(this.podsOn(node), (kind, ns, name) =>
      kind === 'ConfigMap' ? this.#configMaps?.get(name, ns) : this.#secrets?.get(name, ns),
    );
    return [
      ...own,
      ...(this.#tokens?.desired(node, this.podsOn(node)) ?? []),
      ...(this.#services?.desired(node) ?? []),
    ];
  }

  /**
   * Node authorizer rule: a pod bound to `node`, or an object such a pod
   * references; every node may read Services and EndpointSlices (as kubelet
   * and kube-proxy do), slices as filtered for it.
   */
  mayRead(node: string, kind: SyncedKind, namespace: string, name: string): boolean {
    if (kind === 'Service' || kind === 'EndpointSlice') return true;
    if (kind === 'Pod' || kind === 'ServiceAccountToken') return this.nodeOfPod(namespace, name) === node;
    return (this.#referencedBy.get(objectKey(kind, namespace, name))?.get(node) ?? 0) > 0;
  }

  /** The object as the informers hold it (an EndpointSlice as `node` may see it). */
  get(node: string, kind: SyncedKind, namespace: string, name: string): unknown {
    if (kind === 'ServiceAccountToken')
      return this.#tokens?.get(this.get(node, 'Pod', namespace, name) as Pod | undefined, node);
    if (kind === 'Service' || kind === 'EndpointSlice')
      return this.#services?.get(node, kind, namespace, name);
    const informer = kind === 'Pod' ? this.#pods : kind === 'ConfigMap' ? this.#configMaps : this.#secrets;
    return informer?.get(name, namespace);
  }

  nodesReferencing(kind: 'ConfigMap' | 'Secret', namespace: string, name: string): Set<string> {
    return new Set(this.#referencedBy.get(objectKey(kind, namespace, name))?.keys());
  }

  /** Counts (+1) or uncounts (-1) the references of `pod`, bound to `node`. */
  #countReferences(node: string, pod: Pod, delta: 1 | -1): void {
    for (const key of podReferences(pod)) {
      let nodes = this.#referencedBy.get(key);
      if (!nodes) this.#referencedBy.set(key, (nodes = new Map<string, number>()));
      const count = (nodes.get(node) ?? 0) + delta;
      if (count > 0) nodes.set(node, count);
      else nodes.delete(node);
      if (nodes.size === 0) this.#referencedBy.delete(key);
    }
  }

  #podEvent(e: WatchEvent<'Pod'>): void {
    if (e.type === 'DELETED' && e.object.metadata.uid) this.#tokens?.forget(e.object.metadata.uid);
    const key = podKey(e.object);
    const touched = new Set<string>();
    const before = this.#nodeOf.get(key);
    if (before !== undefined) {
      const pods = this.#byNode.get(before);
      const old = pods?.get(key);
      if (old) this.#countReferences(before, old, -1);
      pods?.delete(key);
      if (pods?.size === 0) this.#byNode.delete(before);
      this.#nodeOf.delete(key);
      touched.add(before);
    }
    const node = e.object.spec.nodeName;
    if (node && e.type !== 'DELETED') {
      this.#nodeOf.set(key, node);
      let pods = this.#byNode.get(node);
      if (!pods) this.#byNode.set(node, (pods = new Map<string, Pod>()));
      pods.set(key, e.object);
      this.#countReferences(node, e.object, 1);
      touched.add(node);
    }
    this.#o.onChange(touched);
  }
}
