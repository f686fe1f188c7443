// ObjectSync records: per node and object UID, the last resourceVersion the
// node acked (KubeEdge's ObjectSync / ClusterObjectSync), kept through the
// ResourceStore so both backends hold them and every replica (or this one
// after a restart) resumes from them.
//
// Storage: one ConfigMap per node, kubeedge/objectsync.<node>, data
// `<uid>: <Kind>/<namespace>/<name>/<resourceVersion>`. A node holds at most
// a few hundred objects (kubelet's 110 pods and what they reference), about
// 100 bytes each, far below etcd's 1.5 MiB object limit (refused with a
// logged error at 1 MiB). KubeEdge's one-object-per-record costs a write per
// ack and a list of every record of the cluster on start; here acks of a
// node that arrive together are coalesced into one write of its ConfigMap,
// and a register reads one object.
import { createHash } from 'node:crypto';
import { KedgeError, errorMessage, hasCode, type ConfigMap } from '@kedge/api';
import { Backoff, systemClock, type Clock, type Logger } from '@kedge/runtime';
import { mutate, type ResourceStore } from '@kedge/store';
import type { SyncRecord } from '../edgecontroller/sync-plan.ts';
import type { SyncedKind } from '../edgecontroller/pod-references.ts';

const NAMESPACE = 'kubeedge';
const MAX_BYTES = 1024 * 1024;

/** The ConfigMap holding `node`'s records (hashed when the name would pass 253 characters). */
export function objectSyncName(node: string): string {
  const name = `objectsync.${node}`;
  return name.length <= 253 ? name : `objectsync.${createHash('sha256').update(node).digest('hex')}`;
}

function encode(r: SyncRecord): string {
  return `${r.kind}/${r.namespace}/${r.name}/${r.resourceVersion}`;
}

function decode(value: string): SyncRecord | undefined {
  const [kind, namespace, name, resourceVersion] = value.split('/');
  if (!kind || !namespace || !name || resourceVersion === undefined) return undefined;
  return { kind: kind as SyncedKind, namespace, name, resourceVersion };
}

export interface ObjectSyncRecordsOptions {
  store: ResourceStore;
  log: Logger;
  /** Paces retries of a failed write; default systemClock. */
  clock?: Clock;
}

/** Retries of a node's failed record write: 0.5 s doubling up to 30 s, reset by a good write. */
const RETRY = { initialMs: 500, maxMs: 30_000 };

/** One replica's view of the records of the nodes it holds; writes are per-node serial and coalesced. */
export class ObjectSyncRecords {
  readonly #o: ObjectSyncRecordsOptions;
  readonly #log: Logger;
  readonly #nodes = new Map<string, Map<string, SyncRecord>>();
  /** node -> uid -> record to write (undefined = remove), not yet written. */
  readonly #dirty = new Map<string, Map<string, SyncRecord | undefined>>();
  readonly #writing = new Map<string, Promise<void>>();
  /** node -> backoff of its failing writes (absent while writes succeed). */
  readonly #retries = new Map<string, Backoff>();

  constructor(options: ObjectSyncRecordsOptions) {
    this.#o = options;
    this.#log = options.log.child({ module: 'objectsync' });
  }

  /** Reads the node's records from the store (on register); later calls use the copy in memory. */
  async load(node: string): Promise<ReadonlyMap<string, SyncRecord>> {
    await this.#writing.get(node);
    const cm = await this.#o.store.get('ConfigMap', objectSyncName(node), NAMESPACE);
    const records = new Map<string, SyncRecord>();
    for (const [uid, value] of Object.entries(cm?.data ?? {})) {
      const r = decode(value);
      if (r) records.set(uid, r);
    }
    for (const [uid, r] of this.#dirty.get(node) ?? []) {
      if (r) records.set(uid, r);
      else records.delete(uid);
    }
    this.#nodes.set(node, records);
    return records;
  }

  /** The records in memory (empty until load). */
  of(node: string): ReadonlyMap<string, SyncRecord> {
    return this.#nodes.get(node) ?? new Map();
  }

  set(node: string, uid: string, record: SyncRecord): void {
    this.#nodes.get(node)?.set(uid, record);
    this.#mark(node, uid, record);
  }

  remove(node: string, uid: string): void {
    this.#nodes.get(node)?.delete(uid);
    this.#mark(node, uid, undefined);
  }

  /** Resolves once every change made so far is in the store. */
  async flush(node: string): Promise<void> {
    while (this.#writing.has(node) || this.#dirty.has(node)) {
      if (!this.#writing.has(node)) this.#startWrite(node);
      await this.#writing.get(node);
    }
  }

  #mark(node: string, uid: string, record: SyncRecord | undefined): void {
    let dirty = this.#dirty.get(node);
    if (!dirty) this.#dirty.set(node, (dirty = new Map<string, SyncRecord | undefined>()));
    dirty.set(uid, record);
    if (!this.#writing.has(node)) this.#startWrite(node);
  }

  #startWrite(node: string): void {
    const run = (async () => {
      await new Promise((r) => setImmediate(r)); // gather what arrives in the same turn
      const batch = this.#dirty.get(node);
      this.#dirty.delete(node);
      if (!batch) return;
      try {
        await this.#write(node, batch);
        this.#retries.delete(node);
      } catch (err: unknown) {
        // Kept for the next write; a lost record only costs a re-send after a restart.
        const again = this.#dirty.get(node) ?? new Map<string, SyncRecord | undefined>();
        for (const [uid, r] of batch) if (!again.has(uid)) again.set(uid, r);
        this.#dirty.set(node, again);
        let backoff = this.#retries.get(node);
        if (!backoff) this.#retries.set(node, (backoff = new Backoff(RETRY)));
        const delayMs = backoff.next();
        this.#log.warn(
          { node, err: errorMessage(err), retryInMs: delayMs },
          'could not write the ObjectSync records',
        );
        await (this.#o.clock ?? systemClock).sleep(delayMs);
      }
    })().finally(() => {
      this.#writing.delete(node);
      if (this.#dirty.has(node) && this.#nodes.has(node)) this.#startWrite(node);
    });
    this.#writing.set(node, run);
  }

  async #write(node: string, batch: Map<string, SyncRecord | undefined>): Promise<void> {
    const name = objectSyncName(node);
    const apply = (data: Record<string, string>): Record<string, string> => {
      for (const [uid, r] of batch) {
        if (r) data[uid] = encode(r);
        else delete data[uid];
      }
      const bytes = Buffer.byteLength(JSON.stringify(data));
      if (bytes > MAX_BYTES)
        throw new KedgeError(
          'KEDGE_RESOURCE_INVALID',
          `ConfigMap ${NAMESPACE}/${name}: ${bytes} bytes of ObjectSync records, over ${MAX_BYTES}`,
          { node },
        );
      return data;
    };
    for (;;) {
      const updated = await mutate(
        this.#o.store,
        'ConfigMap',
        name,
        (cm) => ({ ...cm, data: apply({ ...(cm.data ?? {}) }) }),
        { namespace: NAMESPACE },
      );
      if (updated) return;
      const cm: ConfigMap = {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name, namespace: NAMESPACE, annotations: { 'kedge.io/objectsync-node': node } },
        data: apply({}),
      };
      try {
        await this.#o.store.create('ConfigMap', cm);
        return;
      } catch (err: unknown) {
        if (!hasCode(err, 'KEDGE_STORE_ALREADY_EXISTS')) throw err;
      }
    }
  }
}
