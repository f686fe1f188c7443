// The embedded backend: one SQLite file shared by every kedge process on the
// machine. Objects live in `objects`; every write appends one row to the
// `changes` log whose revision is the global resourceVersion. Writes run
// under BEGIN IMMEDIATE, so processes take turns and revisions commit in
// order; watches (sqlite-watch.ts) follow the log by polling it.
import { randomUUID } from 'node:crypto';
import { isKedgeError, KedgeError, rfc3339, type KindName, type ResourceOf } from '@kedge/api';
import { systemClock, type Clock, type Logger } from '@kedge/runtime';
import { matchesLabelSelector, parseLabelSelector } from './label-selector.ts';
import {
  refLabel,
  refOfObject,
  refString,
  resolveRef,
  type ObjectRef,
  type StoredObject,
} from './object-ref.ts';
import type {
  DeleteOptions,
  ListOptions,
  ListResult,
  ResourceStore,
  WatchEvent,
  WatchEventType,
  WatchOptions,
} from './resource-store.ts';
import { GroupCommit } from './sqlite-group-commit.ts';
import { openDatabase, type Db, type Durability } from './sqlite-schema.ts';
import { prepareStatements, type Statements } from './sqlite-statements.ts';
import { DEFAULT_EVENT_TTL_MS, EventTtl } from './sqlite-event-ttl.ts';
import { watchChanges, type ChangeBatch, type ChangeSource } from './sqlite-watch.ts';
import {
  conflictError,
  normalizeInput,
  prepareCreate,
  prepareDeletionMark,
  prepareStatusUpdate,
  prepareUpdate,
  readyToRemove,
  type PreparedWrite,
} from './write-rules.ts';

export interface SqliteStoreOptions {
  /** The database file (created if missing; its directory must exist). ':memory:' for a private store. */
  path: string;
  log?: Logger;
  clock?: Clock;
  /** How often a watch looks for new changes; default 50 ms. */
  pollIntervalMs?: number;
  /** Change-log rows kept (at least); default 100 000. Older watches get KEDGE_STORE_EXPIRED. */
  changeLogRetention?: number;
  /** 'full' (default) syncs every commit; 'normal' may lose the last commits on power loss, never on a crash. */
  durability?: Durability;
  /** Events older than this (from when they were stored) are deleted, change log included; default 1 h, 0 = never. */
  eventTtlMs?: number;
}

/** The embedded store's Event TTL (kube-apiserver: --event-ttl); `expireEvents` runs one compaction now. */
export interface EventTtlStore {
  expireEvents(): number;
}

export function hasEventTtl(store: ResourceStore): store is ResourceStore & EventTtlStore {
  return typeof (store as Partial<EventTtlStore>).expireEvents === 'function';
}

export function openSqliteStore(options: SqliteStoreOptions): ResourceStore {
  return new SqliteStore(options);
}

type Labels = Record<string, string>;

class SqliteStore implements ResourceStore, ChangeSource, EventTtlStore {
  readonly #path: string;
  readonly #db: Db;
  readonly #sql: Statements;
  readonly #clock: Clock;
  readonly #log: Logger | undefined;
  readonly #pollIntervalMs: number;
  readonly #retention: number;
  readonly #trimEvery: number;
  readonly #closing = new AbortController();
  readonly #tx: { immediate<T>(fn: () => T): T; deferred<T>(fn: () => T): T };
  readonly #eventTtl: EventTtl | undefined;
  readonly #writes: GroupCommit;

  constructor(o: SqliteStoreOptions) {
    this.#path = o.path;
    this.#clock = o.clock ?? systemClock;
    this.#log = o.log?.child({ module: 'store', file: o.path });
    this.#pollIntervalMs = o.pollIntervalMs ?? 50;
    this.#retention = Math.max(1, Math.floor(o.changeLogRetention ?? 100_000));
    // Trim in steps of ~1% of the retention (at most 1000 rows), so no write pays for a big delete.
    this.#trimEvery = Math.min(1000, Math.max(1, Math.ceil(this.#retention / 100)));
    this.#db = openDatabase(o.path, o.durability ?? 'full');
    this.#sql = prepareStatements(this.#db);
    const run = this.#db.transaction((fn: () => unknown) => fn());
    this.#tx = {
      immediate: <T>(fn: () => T) => run.immediate(fn) as T,
      deferred: <T>(fn: () => T) => run.deferred(fn) as T,
    };
    // Inside the batch's transaction each write's `immediate` is a savepoint.
    this.#writes = new GroupCommit({
      transaction: (body) => this.#tx.immediate(body),
      savepoint: (write) => write(),
    });
    this.#eventTtl =
      (o.eventTtlMs ?? DEFAULT_EVENT_TTL_MS) > 0
        ? new EventTtl({
            db: this.#db,
            ttlMs: o.eventTtlMs ?? DEFAULT_EVENT_TTL_MS,
            clock: this.#clock,
            log: this.#log,
            deleteOne: (ref, tombstone) => this.#commit(ref, 'DELETED', tombstone, undefined),
            immediate: (fn) => this.#tx.immediate(fn),
          })
        : undefined;
    this.#eventTtl?.start();
    this.#log?.debug({ retention: this.#retention }, 'store opened');
  }

  get closed(): AbortSignal {
    return this.#closing.signal;
  }

  async get<K extends KindName>(
    kind: K,
    name: string,
    namespace?: string,
  ): Promise<ResourceOf<K> | undefined> {
    const ref = resolveRef(kind, name, namespace);
    return this.#guard(refString(ref), () => {
      const row = this.#sql.getObject.get(ref);
      return row ? (JSON.parse(row.body) as ResourceOf<K>) : undefined;
    });
  }

  async list<K extends KindName>(kind: K, options: ListOptions = {}): Promise<ListResult<K>> {
    const reqs = options.labelSelector ? parseLabelSelector(options.labelSelector) : [];
    const namespace = options.namespace ? resolveRef(kind, '', options.namespace).namespace : undefined;
    return this.#guard(kind, () => {
      const { rows, revision } = this.#tx.deferred(() => ({
        revision: this.#state().revision,
        rows: namespace ? this.#sql.listNamespace.all({ kind, namespace }) : this.#sql.listAll.all({ kind }),
      }));
      const items: ResourceOf<K>[] = [];
      for (const row of rows) {
        const obj = JSON.parse(row.body) as StoredObject;
        if (matchesLabelSelector(reqs, obj.metadata.labels)) items.push(obj as ResourceOf<K>);
      }
      return { items, resourceVersion: String(revision) };
    });
  }

  async create<K extends KindName>(kind: K, object: ResourceOf<K>): Promise<ResourceOf<K>> {
    const now = rfc3339(new Date(this.#clock.now()));
    const { ref, object: obj } = prepareCreate(kind, object, { uid: randomUUID(), now });
    return this.#write(refString(ref), () =>
      this.#tx.immediate(() => {
        if (this.#sql.getObject.get(ref)) {
          throw new KedgeError('KEDGE_STORE_ALREADY_EXISTS', `${refLabel(ref)} already exists`, {
            resource: refString(ref),
          });
        }
        this.#commit(ref, 'ADDED', obj, undefined);
        return obj as ResourceOf<K>;
      }),
    );
  }

  async update<K extends KindName>(kind: K, object: ResourceOf<K>): Promise<ResourceOf<K>> {
    return this.#modify(kind, object, prepareUpdate);
  }

  async updateStatus<K extends KindName>(kind: K, object: ResourceOf<K>): Promise<ResourceOf<K>> {
    return this.#modify(kind, object, prepareStatusUpdate);
  }

  async delete<K extends KindName>(
    kind: K,
    name: string,
    namespace?: string,
    options: DeleteOptions = {},
  ): Promise<void> {
    const ref = resolveRef(kind, name, namespace);
    const now = rfc3339(new Date(this.#clock.now()));
    await this.#write(refString(ref), () =>
      this.#tx.immediate(() => {
        const current = this.#load(ref);
        if (options.resourceVersion !== undefined) this.#checkVersion(ref, current, options.resourceVersion);
        const labels = current.metadata.labels ?? {};
        if ((current.metadata.finalizers ?? []).length === 0) {
          this.#commit(ref, 'DELETED', current, labels);
        } else if (current.metadata.deletionTimestamp === undefined) {
          this.#commit(ref, 'MODIFIED', prepareDeletionMark(current, now), labels);
        }
      }),
    );
  }

  watch<K extends KindName>(kind: K, options: WatchOptions): AsyncIterable<WatchEvent<K>> {
    // "From now" means from this call, not from the first next().
    const from = options.resourceVersion ?? (this.#closing.signal.aborted ? '0' : String(this.head()));
    return watchChanges(
      this,
      kind,
      { ...options, resourceVersion: from },
      {
        clock: this.#clock,
        pollIntervalMs: this.#pollIntervalMs,
      },
    );
  }

  async close(): Promise<void> {
    if (this.#closing.signal.aborted) return;
    this.#guard('', () => this.#writes.drain()); // what was accepted is written before the file closes
    this.#closing.abort(new KedgeError('KEDGE_STORE_UNAVAILABLE', `store ${this.#path} is closed`));
    this.#eventTtl?.stop();
    this.#db.close();
    this.#log?.debug('store closed');
  }

  expireEvents(): number {
    return this.#guard('Event', () => this.#eventTtl?.expire() ?? 0);
  }

  head(): number {
    return this.#guard('', () => this.#state().revision);
  }

  readChanges(kind: KindName, after: number, namespace: string | undefined, limit: number): ChangeBatch {
    return this.#guard(kind, () => {
      // Idle polls cost one primary-key lookup; only a moved head opens a read transaction.
      const quick = this.#state();
      if (quick.revision <= after || quick.compacted > after) return { ...this.#batchHead(quick), rows: [] };
      return this.#tx.deferred(() => {
        const state = this.#state();
        const rows = this.#sql.poll.all({
          kind,
          after,
          head: state.revision,
          namespace: namespace ?? null,
          limit,
        });
        return { ...this.#batchHead(state), rows };
      });
    });
  }

  #batchHead(state: { revision: number; compacted: number }): { head: number; compacted: number } {
    return { head: state.revision, compacted: state.compacted };
  }

  #state(): { revision: number; compacted: number } {
    const row = this.#sql.state.get();
    if (!row) throw new KedgeError('KEDGE_STORE_UNAVAILABLE', `store ${this.#path}: state row missing`);
    return row;
  }

  async #modify<K extends KindName>(
    kind: K,
    object: ResourceOf<K>,
    prepare: (ref: ObjectRef, current: StoredObject, input: StoredObject) => PreparedWrite,
  ): Promise<ResourceOf<K>> {
    const input = normalizeInput(kind, object);
    const ref = refOfObject(kind, input);
    return this.#write(refString(ref), () =>
      this.#tx.immediate(() => {
        const current = this.#load(ref);
        this.#checkVersion(ref, current, input.metadata.resourceVersion);
        const { object: next, changed } = prepare(ref, current, input);
        if (!changed) return current as ResourceOf<K>;
        const labels = current.metadata.labels ?? {};
        this.#commit(ref, readyToRemove(next) ? 'DELETED' : 'MODIFIED', next, labels);
        return next as ResourceOf<K>;
      }),
    );
  }

  #load(ref: ObjectRef): StoredObject {
    const row = this.#sql.getObject.get(ref);
    if (!row) {
      throw new KedgeError('KEDGE_STORE_NOT_FOUND', `${refLabel(ref)} not found`, {
        resource: refString(ref),
      });
    }
    return JSON.parse(row.body) as StoredObject;
  }

  #checkVersion(ref: ObjectRef, current: StoredObject, given: string | undefined): void {
    const at = current.metadata.resourceVersion ?? '';
    if (given === at) return;
    throw conflictError(ref, given, at);
  }

  /** Writes one change inside the caller's write transaction; sets the object's resourceVersion. */
  #commit(ref: ObjectRef, type: WatchEventType, obj: StoredObject, prevLabels: Labels | undefined): void {
    const bumped = this.#sql.nextRevision.get();
    if (!bumped) throw new KedgeError('KEDGE_STORE_UNAVAILABLE', `store ${this.#path}: state row missing`);
    const revision = bumped.revision;
    obj.metadata.resourceVersion = String(revision);
    const body = JSON.stringify(obj);
    const key = { kind: ref.kind, namespace: ref.namespace, name: ref.name };
    switch (type) {
      case 'ADDED':
        this.#sql.insertObject.run({ ...key, uid: obj.metadata.uid ?? '', revision, body });
        break;
      case 'MODIFIED':
        this.#sql.updateObject.run({ ...key, revision, body });
        break;
      case 'DELETED':
        this.#sql.deleteObject.run(key);
        break;
    }
    const prev = prevLabels === undefined ? null : JSON.stringify(prevLabels);
    this.#sql.insertChange.run({ ...key, revision, type, body, prevLabels: prev });
    if (revision % this.#trimEvery === 0 && revision > this.#retention) {
      const upTo = revision - this.#retention;
      const { changes } = this.#sql.trimChanges.run({ upTo });
      this.#sql.setCompacted.run({ upTo });
      if (changes > 0) this.#log?.debug({ upTo, rows: changes }, 'change log trimmed');
    }
  }

  /** Runs a write (one `immediate` transaction) in this turn's group commit; resolves once it is on disk. */
  async #write<T>(resource: string, fn: () => T): Promise<T> {
    this.#guard(resource, () => undefined);
    try {
      return await this.#writes.submit(fn);
    } catch (err: unknown) {
      throw this.#storeError(resource, err);
    }
  }

  /** Runs `fn` on the open database; SQLite failures become KEDGE_STORE_UNAVAILABLE naming the object. */
  #guard<T>(resource: string, fn: () => T): T {
    if (this.#closing.signal.aborted) {
      throw new KedgeError('KEDGE_STORE_UNAVAILABLE', `store ${this.#path} is closed`, { resource });
    }
    try {
      return fn();
    } catch (err: unknown) {
      throw this.#storeError(resource, err);
    }
  }

  #storeError(resource: string, err: unknown): KedgeError {
    if (isKedgeError(err)) return err;
    const message = err instanceof Error ? err.message : String(err);
    return new KedgeError(
      'KEDGE_STORE_UNAVAILABLE',
      `store ${this.#path}: ${resource}: ${message}`,
      {
        resource,
        file: this.#path,
      },
      { cause: err },
    );
  }
}
