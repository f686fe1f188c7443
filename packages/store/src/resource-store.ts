// The one storage contract every cloud process is written against. It keeps
// Kubernetes semantics so the embedded SQLite backend and the Kubernetes
// backend are interchangeable:
// - every write bumps metadata.resourceVersion (an opaque string to callers);
// - update/updateStatus/delete with a resourceVersion fail with
//   KEDGE_STORE_CONFLICT when it is stale;
// - create() and update() never store the caller's .status, for any kind
//   (status is what controllers observed; a user's manifest must not forge
//   it); updateStatus() changes only .status (kinds with a status subresource);
// - watch() replays every change after `resourceVersion` in order, then
//   follows new ones; a version older than the change log keeps fails with
//   KEDGE_STORE_EXPIRED (relist, as with HTTP 410 Gone).
import type { KindName, ResourceOf } from '@kedge/api';

export interface ListOptions {
  namespace?: string;
  /** Kubernetes label selector syntax: `a=b,c!=d,e in (f,g),!h`. */
  labelSelector?: string;
}

export interface ListResult<K extends KindName> {
  items: ResourceOf<K>[];
  /** The store's version at the time of the list; watch from here. */
  resourceVersion: string;
}

export interface WatchOptions extends ListOptions {
  /** Watch changes after this version; omitted = from now. */
  resourceVersion?: string;
  signal: AbortSignal;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface WatchEvent<K extends KindName> {
  type: WatchEventType;
  object: ResourceOf<K>;
}

export interface DeleteOptions {
  /** Precondition: delete only if the object is still at this version. */
  resourceVersion?: string;
  /**
   * Kubernetes' grace period: 0 ends a graceful deletion at once (the final
   * delete of a pod whose containers stopped). The embedded store has no
   * graceful deletion, so it ignores this.
   */
  gracePeriodSeconds?: number;
}

export interface ResourceStore {
  get<K extends KindName>(kind: K, name: string, namespace?: string): Promise<ResourceOf<K> | undefined>;
  list<K extends KindName>(kind: K, options?: ListOptions): Promise<ListResult<K>>;
  create<K extends KindName>(kind: K, object: ResourceOf<K>): Promise<ResourceOf<K>>;
  update<K extends KindName>(kind: K, object: ResourceOf<K>): Promise<ResourceOf<K>>;
  updateStatus<K extends KindName>(kind: K, object: ResourceOf<K>): Promise<ResourceOf<K>>;
  delete<K extends KindName>(
    kind: K,
    name: string,
    namespace?: string,
    options?: DeleteOptions,
  ): Promise<void>;
  watch<K extends KindName>(kind: K, options: WatchOptions): AsyncIterable<WatchEvent<K>>;
  close(): Promise<void>;
}

/** A TokenRequest (authentication.k8s.io/v1) for a ServiceAccount, bound to an object. */
export interface ServiceAccountTokenSpec {
  expirationSeconds: number;
  audiences?: string[];
  boundObjectRef?: { kind: 'Pod' | 'Secret'; apiVersion: 'v1'; name: string; uid?: string | undefined };
}

/**
 * A store backed by a kube-apiserver can ask it for ServiceAccount tokens
 * (POST serviceaccounts/<sa>/token). The embedded store cannot: there is no
 * token authority behind it (cloudcore mints its own tokens then).
 */
export interface ServiceAccountTokenRequester {
  requestServiceAccountToken(
    namespace: string,
    serviceAccount: string,
    spec: ServiceAccountTokenSpec,
  ): Promise<{ token: string; expirationTimestamp: string }>;
}

export function serviceAccountTokenRequester(store: ResourceStore): ServiceAccountTokenRequester | undefined {
  const candidate = store as Partial<ServiceAccountTokenRequester>;
  return typeof candidate.requestServiceAccountToken === 'function'
    ? (candidate as ServiceAccountTokenRequester)
    : undefined;
}
