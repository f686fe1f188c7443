// The Kubernetes backend: every ResourceStore call is one request to a real
// API server (two on a conflict, to name the current version), so
// Kubernetes itself keeps the rules the SQLite backend re-implements:
// resourceVersions, conflicts, the status subresource, finalizers, label
// selectors and watches. Objects are validated with the same zod schemas
// before they are sent, so a bad object fails with the same message in both
// modes, and the API server's own validation (the CRDs) backs it up.
import { recordServedVersion, KedgeError, kinds, type KindName, type ResourceOf } from '@kedge/api';
import type { Logger } from '@kedge/runtime';
import { parseLabelSelector } from '../label-selector.ts';
import { refLabel, refString, resolveRef, type ObjectRef, type StoredObject } from '../object-ref.ts';
import type {
  DeleteOptions,
  ListOptions,
  ListResult,
  ResourceStore,
  ServiceAccountTokenRequester,
  ServiceAccountTokenSpec,
  WatchEvent,
  WatchOptions,
} from '../resource-store.ts';
import { conflictError } from '../write-rules.ts';
import { translateError, type KubeOperation } from './kube-errors.ts';
import { createBody, fromServer, updateBody } from './kube-objects.ts';
import { collectionPath, objectPath } from './kube-paths.ts';
import { KubeTransport, type KubeConnectionOptions, type KubeRequest } from './kube-transport.ts';
import { watchKube } from './kube-watch.ts';

export interface KubernetesStoreOptions extends KubeConnectionOptions {
  log?: Logger;
  /** Server-side timeout of each watch request (re-watched transparently); default 300 s. */
  watchTimeoutSeconds?: number;
  /** Page size of list requests; default 500. */
  listPageSize?: number;
}

/** Connects (reads the config, builds the HTTP agent); use openKubernetesStore, which loads this lazily. */
export async function connectKubernetesStore(options: KubernetesStoreOptions): Promise<ResourceStore> {
  const transport = await KubeTransport.open(options);
  const log = options.log?.child({ module: 'store', backend: 'kubernetes' });
  log?.debug({ server: transport.server }, 'kubernetes store opened');
  return new KubernetesStore(transport, options, log);
}

interface ListBody {
  metadata?: { resourceVersion?: string; continue?: string };
  items?: unknown[];
}

class KubernetesStore implements ResourceStore, ServiceAccountTokenRequester {
  readonly #t: KubeTransport;
  readonly #log: Logger | undefined;
  readonly #watchTimeoutSeconds: number;
  readonly #pageSize: number;
  readonly #closing = new AbortController();

  constructor(transport: KubeTransport, o: KubernetesStoreOptions, log: Logger | undefined) {
    this.#t = transport;
    this.#log = log;
    this.#watchTimeoutSeconds = o.watchTimeoutSeconds ?? 300;
    this.#pageSize = o.listPageSize ?? 500;
  }

  async get<K extends KindName>(
    kind: K,
    name: string,
    namespace?: string,
  ): Promise<ResourceOf<K> | undefined> {
    const ref = resolveRef(kind, name, namespace);
    const res = await this.#send({ verb: 'get', kind, ref }, { method: 'GET', path: objectPath(ref) });
    if (res.ok) return fromServer(kind, res.body);
    if (res.error.code === 'KEDGE_STORE_NOT_FOUND') return undefined;
    throw res.error;
  }

  async list<K extends KindName>(kind: K, options: ListOptions = {}): Promise<ListResult<K>> {
    if (options.labelSelector) parseLabelSelector(options.labelSelector); // same errors as the embedded store
    const namespace = options.namespace ? resolveRef(kind, '', options.namespace).namespace : undefined;
    const op: KubeOperation = { verb: 'list', kind, ...(namespace ? { namespace } : {}) };
    const items: ResourceOf<K>[] = [];
    let resourceVersion = '';
    let cont: string | undefined;
    do {
      const res = await this.#send(op, {
        method: 'GET',
        path: collectionPath(kind, namespace),
        query: {
          labelSelector: options.labelSelector || undefined,
          limit: String(this.#pageSize),
          continue: cont,
        },
      });
      if (!res.ok) throw res.error;
      const page = res.body as ListBody;
      for (const item of page.items ?? []) items.push(fromServer(kind, item));
      // Every page of one list is the same snapshot; its version is the first page's.
      if (resourceVersion === '') resourceVersion = page.metadata?.resourceVersion ?? '';
      cont = page.metadata?.continue || undefined;
    } while (cont);
    return { items, resourceVersion };
  }

  async requestServiceAccountToken(
    namespace: string,
    serviceAccount: string,
    spec: ServiceAccountTokenSpec,
  ): Promise<{ token: string; expirationTimestamp: string }> {
    const what = `serviceaccounts/${serviceAccount}/token in namespace ${namespace}`;
    const res = await this.#t.send({
      method: 'POST',
      path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/serviceaccounts/${encodeURIComponent(serviceAccount)}/token`,
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec },
    });
    const status = (res.body as { status?: { token?: unknown; expirationTimestamp?: unknown } } | undefined)
      ?.status;
    if (res.status >= 200 && res.status < 300 && typeof status?.token === 'string') {
      const expires = status.expirationTimestamp;
      return { token: status.token, expirationTimestamp: typeof expires === 'string' ? expires : '' };
    }
    const code =
      res.status === 403 || res.status === 401
        ? 'KEDGE_STORE_FORBIDDEN'
        : res.status === 404
          ? 'KEDGE_STORE_NOT_FOUND'
          : res.status === 409
            ? 'KEDGE_STORE_CONFLICT'
            : 'KEDGE_STORE_UNAVAILABLE';
    // a Status object's message (never a token: an error answer carries none)
    const reason = (res.body as { message?: unknown } | undefined)?.message;
    throw new KedgeError(
      code,
      `create ${what}: HTTP ${res.status}${typeof reason === 'string' ? `: ${reason}` : ''}`,
      {
        resource: `ServiceAccount/${namespace}/${serviceAccount}`,
      },
    );
  }

  async create<K extends KindName>(kind: K, object: ResourceOf<K>): Promise<ResourceOf<K>> {
    // As the embedded store: a job created at a served version other than storage remembers it.
    const { ref, body } = createBody(kind, recordServedVersion(kind, object));
    const res = await this.#send(
      { verb: 'create', kind, ref },
      { method: 'POST', path: collectionPath(kind, ref.namespace || undefined), body },
    );
    if (!res.ok) throw res.error;
    return fromServer(kind, res.body);
  }

  async update<K extends KindName>(kind: K, object: ResourceOf<K>): Promise<ResourceOf<K>> {
    const { ref, body } = updateBody(kind, object);
    const given = await this.#requireVersion(ref, body);
    const res = await this.#send(
      { verb: 'update', kind, ref },
      { method: 'PUT', path: objectPath(ref), body },
    );
    if (res.ok) return fromServer(kind, res.body);
    throw await this.#explainConflict(ref, given, res.error);
  }

  async updateStatus<K extends KindName>(kind: K, object: ResourceOf<K>): Promise<ResourceOf<K>> {
    if (!kinds[kind].statusSubresource) {
      const name = (object as StoredObject).metadata.name;
      throw new KedgeError(
        'KEDGE_RESOURCE_INVALID',
        `${kind}/${name}: status: ${kind} has no status subresource; use update()`,
        { resource: `${kind}/${name}`, fields: [`status: ${kind} has no status subresource; use update()`] },
      );
    }
    const { ref, body } = updateBody(kind, object);
    const given = await this.#requireVersion(ref, body);
    // A custom resource's status subresource ignores everything but status. The
    // built-in kinds' (Node) would take metadata changes too, so they get a JSON
    // patch of status alone, with the resourceVersion as the precondition.
    const request: KubeRequest = kinds[kind].crd
      ? { method: 'PUT', path: objectPath(ref, 'status'), body }
      : {
          method: 'PATCH',
          path: objectPath(ref, 'status'),
          contentType: 'application/json-patch+json',
          body: [
            { op: 'replace', path: '/metadata/resourceVersion', value: given },
            { op: 'add', path: '/status', value: body.status ?? {} },
          ],
        };
    const verb = request.method === 'PUT' ? 'update' : 'patch';
    const res = await this.#send({ verb, kind, ref, subresource: 'status' }, request);
    if (res.ok) return fromServer(kind, res.body);
    throw await this.#explainConflict(ref, given, res.error);
  }

  async delete<K extends KindName>(
    kind: K,
    name: string,
    namespace?: string,
    options: DeleteOptions = {},
  ): Promise<void> {
    const ref = resolveRef(kind, name, namespace);
    const given = options.resourceVersion;
    const grace = options.gracePeriodSeconds;
    const body = {
      apiVersion: 'v1',
      kind: 'DeleteOptions',
      ...(given !== undefined ? { preconditions: { resourceVersion: given } } : {}),
      ...(grace !== undefined ? { gracePeriodSeconds: grace } : {}),
    };
    const res = await this.#send(
      { verb: 'delete', kind, ref },
      {
        method: 'DELETE',
        path: objectPath(ref),
        ...(given !== undefined || grace !== undefined ? { body } : {}),
      },
    );
    if (!res.ok) throw await this.#explainConflict(ref, given, res.error);
  }

  watch<K extends KindName>(kind: K, options: WatchOptions): AsyncIterable<WatchEvent<K>> {
    if (options.labelSelector) parseLabelSelector(options.labelSelector);
    const namespace = options.namespace ? resolveRef(kind, '', options.namespace).namespace : undefined;
    // "From now" means from this call: look the version up right away.
    const from =
      options.resourceVersion !== undefined
        ? Promise.resolve(options.resourceVersion)
        : this.#head(kind, namespace);
    from.catch(() => undefined); // observed by the iterator; not an unhandled rejection meanwhile
    const signal = AbortSignal.any([options.signal, this.#closing.signal]);
    return watchKube(this.#t, kind, {
      from,
      ...(namespace ? { namespace } : {}),
      ...(options.labelSelector ? { labelSelector: options.labelSelector } : {}),
      signal,
      timeoutSeconds: this.#watchTimeoutSeconds,
      ...(this.#log ? { log: this.#log } : {}),
    });
  }

  async close(): Promise<void> {
    if (this.#closing.signal.aborted) return;
    this.#closing.abort();
    await this.#t.close();
    this.#log?.debug('kubernetes store closed');
  }

  /** The collection's current version (a one-item list), where "watch from now" starts. */
  async #head(kind: KindName, namespace: string | undefined): Promise<string> {
    const res = await this.#send(
      { verb: 'list', kind, ...(namespace ? { namespace } : {}) },
      { method: 'GET', path: collectionPath(kind, namespace), query: { limit: '1' } },
    );
    if (!res.ok) throw res.error;
    return (res.body as ListBody).metadata?.resourceVersion ?? '';
  }

  /** An update without a resourceVersion is a conflict here too (Kubernetes would apply it unconditionally). */
  async #requireVersion(ref: ObjectRef, body: StoredObject): Promise<string> {
    const given = body.metadata.resourceVersion;
    if (given) return given;
    throw await this.#explainConflict(ref, given, undefined);
  }

  /**
   * A 409 says only "the object has been modified": read the object to name
   * its current version, as the embedded store does (or report it gone).
   */
  async #explainConflict(
    ref: ObjectRef,
    given: string | undefined,
    err: KedgeError | undefined,
  ): Promise<KedgeError> {
    if (err && err.code !== 'KEDGE_STORE_CONFLICT') return err;
    const current = await this.get(ref.kind, ref.name, ref.namespace || undefined);
    if (!current) {
      return new KedgeError('KEDGE_STORE_NOT_FOUND', `${refLabel(ref)} not found`, {
        resource: refString(ref),
      });
    }
    const at = (current as StoredObject).metadata.resourceVersion ?? '';
    const conflict = conflictError(ref, given, at);
    return new KedgeError(
      conflict.code,
      conflict.message,
      { ...err?.context, ...conflict.context },
      err ? { cause: err } : undefined,
    );
  }

  async #send(
    op: KubeOperation,
    req: KubeRequest,
  ): Promise<{ ok: true; body: unknown } | { ok: false; error: KedgeError }> {
    if (this.#closing.signal.aborted) {
      throw new KedgeError('KEDGE_STORE_UNAVAILABLE', `kubernetes store for ${this.#t.server} is closed`, {
        resource: op.kind,
      });
    }
    const res = await this.#t.send(req);
    if (res.status >= 200 && res.status < 300) return { ok: true, body: res.body };
    const error = translateError(op, res.status, res.body);
    if (res.status >= 500 || res.status === 429) {
      this.#log?.warn(
        { resource: error.context.resource, verb: op.verb, httpStatus: res.status },
        error.message,
      );
    }
    return { ok: false, error };
  }
}
