// The edge's cache of cloud objects (SQLite table `meta`) plus the cloud
// connection state. metaManager writes it; metaServer and other local
// readers see it through the read-only MetaView.
import type BetterSqlite3 from 'better-sqlite3';
import { KedgeError, edgeResource, errorMessage } from '@kedge/api';
import { isOlderResourceVersion } from './resource-version.ts';

export interface MetaEntry {
  /** `<ns>/<type>/<name>`, ns `null` for cluster-scoped objects. */
  key: string;
  namespace: string;
  type: string;
  name: string;
  resourceVersion: string | undefined;
  /** The object as the cloud sent it. */
  value: unknown;
}

export interface MetaView {
  get(key: string): MetaEntry | undefined;
  /** Objects of `type` in `namespace` (`null` for cluster-scoped), ordered by name. */
  list(namespace: string, type: string): MetaEntry[];
  /** Objects of `type` in every namespace. */
  listType(type: string): MetaEntry[];
  readonly connected: boolean;
  /** ms since epoch of the last cloud_connected, if any since this process started. */
  readonly lastConnectedAt: number | undefined;
  readonly lastDisconnectedAt: number | undefined;
}

/** `stale`: older than the stored resourceVersion, or an update of a UID the cloud deleted. */
export type UpsertOutcome = 'applied' | 'stale';
/** `stale`: older resourceVersion; `uid-mismatch`: the stored object is another incarnation. */
export type DeleteOutcome = 'deleted' | 'absent' | 'stale' | 'uid-mismatch';

export interface MetaCacheOptions {
  db: BetterSqlite3.Database;
  clock?: { now(): number };
}

/** How long the UID of a deleted object is remembered (a re-sent older update of it is refused). */
const TOMBSTONE_TTL_MS = 24 * 60 * 60 * 1000;

type Listener = (entry: { key: string; type: string }) => void;

interface MetaRow {
  key: string;
  type: string;
  value: string;
  resource_version: string | null;
}

export class MetaCache implements MetaView {
  readonly #db: BetterSqlite3.Database;
  readonly #clock: { now(): number };
  readonly #get: BetterSqlite3.Statement<[string], MetaRow>;
  readonly #range: BetterSqlite3.Statement<[string, string, string], MetaRow>;
  readonly #byType: BetterSqlite3.Statement<[string], MetaRow>;
  readonly #upsert: BetterSqlite3.Statement<[string, string, string, string | null]>;
  readonly #delete: BetterSqlite3.Statement<[string]>;
  readonly #tombstone: BetterSqlite3.Statement<[string, string, string | null, number]>;
  readonly #isTombstoned: BetterSqlite3.Statement<[string], { uid: string }>;
  readonly #prune: BetterSqlite3.Statement<[number]>;
  readonly #listeners = new Set<Listener>();
  #connected = false;
  #lastConnectedAt: number | undefined;
  #lastDisconnectedAt: number | undefined;

  constructor(options: MetaCacheOptions) {
    this.#db = options.db;
    this.#clock = options.clock ?? { now: () => Date.now() };
    const db = options.db;
    this.#get = db.prepare('SELECT key, type, value, resource_version FROM meta WHERE key = ?');
    // Keys of one ns/type share the prefix `ns/type/`; '0' is the character after '/'.
    this.#range = db.prepare(
      'SELECT key, type, value, resource_version FROM meta WHERE key >= ? AND key < ? AND type = ? ORDER BY key',
    );
    this.#byType = db.prepare(
      'SELECT key, type, value, resource_version FROM meta WHERE type = ? ORDER BY key',
    );
    this.#upsert = db.prepare(
      `INSERT INTO meta (key, type, value, resource_version) VALUES (?, ?, ?, ?)
       ON CONFLICT(key) DO UPDATE SET type = excluded.type, value = excluded.value,
         resource_version = excluded.resource_version`,
    );
    this.#delete = db.prepare('DELETE FROM meta WHERE key = ?');
    this.#tombstone = db.prepare(
      `INSERT INTO meta_tombstone (uid, key, resource_version, deleted_at) VALUES (?, ?, ?, ?)
       ON CONFLICT(uid) DO UPDATE SET deleted_at = excluded.deleted_at`,
    );
    this.#isTombstoned = db.prepare('SELECT uid FROM meta_tombstone WHERE uid = ?');
    this.#prune = db.prepare('DELETE FROM meta_tombstone WHERE deleted_at < ?');
  }

  /** Calls `listener` after every applied write or delete; returns the unsubscribe. */
  onChange(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #changed(key: string, type: string): void {
    for (const l of this.#listeners) l({ key, type });
  }

  get connected(): boolean {
    return this.#connected;
  }
  get lastConnectedAt(): number | undefined {
    return this.#lastConnectedAt;
  }
  get lastDisconnectedAt(): number | undefined {
    return this.#lastDisconnectedAt;
  }

  get(key: string): MetaEntry | undefined {
    const row = this.#get.get(key);
    return row ? toEntry(row) : undefined;
  }

  list(namespace: string, type: string): MetaEntry[] {
    const prefix = `${edgeResource(namespace, type)}/`;
    return this.#range.all(prefix, `${prefix.slice(0, -1)}0`, type).map(toEntry);
  }

  listType(type: string): MetaEntry[] {
    return this.#byType.all(type).map(toEntry);
  }

  /**
   * Stores `value` under ns/type/name unless the stored copy has a newer
   * resourceVersion or the object's UID was deleted (a delete beats every
   * older update of the same object).
   */
  upsert(
    namespace: string,
    type: string,
    name: string,
    value: unknown,
    resourceVersion?: string,
  ): UpsertOutcome {
    const key = edgeResource(namespace, type, name);
    const json = JSON.stringify(value);
    const uid = uidOf(value);
    const result = this.#db.transaction((): UpsertOutcome => {
      const stored = this.#get.get(key);
      if (uid !== undefined && this.#isTombstoned.get(uid)) return 'stale';
      if (stored && isOlderResourceVersion(resourceVersion, stored.resource_version ?? undefined))
        return 'stale';
      this.#upsert.run(key, type, json, resourceVersion ?? null);
      return 'applied';
    })();
    if (result === 'applied') this.#changed(key, type);
    return result;
  }

  /**
   * Deletes the row unless the request is about an older version or another
   * incarnation (uid); remembers the deleted UID so that older updates of it
   * stay refused.
   */
  delete(key: string, precondition: { resourceVersion?: string; uid?: string } = {}): DeleteOutcome {
    const now = this.#clock.now();
    const result = this.#db.transaction((): DeleteOutcome => {
      this.#prune.run(now - TOMBSTONE_TTL_MS);
      const stored = this.#get.get(key);
      if (!stored) {
        if (precondition.uid !== undefined)
          this.#tombstone.run(precondition.uid, key, precondition.resourceVersion ?? null, now);
        return 'absent';
      }
      if (isOlderResourceVersion(precondition.resourceVersion, stored.resource_version ?? undefined))
        return 'stale';
      const storedUid = uidOf(parseValue(stored));
      if (precondition.uid !== undefined && storedUid !== undefined && storedUid !== precondition.uid) {
        this.#tombstone.run(precondition.uid, key, precondition.resourceVersion ?? null, now);
        return 'uid-mismatch';
      }
      this.#delete.run(key);
      const deadUid = storedUid ?? precondition.uid;
      if (deadUid !== undefined) this.#tombstone.run(deadUid, key, stored.resource_version, now);
      return 'deleted';
    })();
    if (result === 'deleted') this.#changed(key, typeOfKey(key));
    return result;
  }

  setConnected(connected: boolean): void {
    if (connected) this.#lastConnectedAt = this.#clock.now();
    else if (this.#connected) this.#lastDisconnectedAt = this.#clock.now();
    this.#connected = connected;
  }
}

function typeOfKey(key: string): string {
  return key.split('/')[1] ?? '';
}

/** metadata.uid of an object, if it has one. */
export function uidOf(value: unknown): string | undefined {
  const uid = metadataOf(value)?.uid;
  return typeof uid === 'string' && uid.length > 0 ? uid : undefined;
}

/** metadata.resourceVersion of an object, if it has one. */
export function resourceVersionOf(value: unknown): string | undefined {
  const rv = metadataOf(value)?.resourceVersion;
  return typeof rv === 'string' && rv.length > 0 ? rv : undefined;
}

function metadataOf(value: unknown): Record<string, unknown> | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const meta = (value as { metadata?: unknown }).metadata;
  return typeof meta === 'object' && meta !== null ? (meta as Record<string, unknown>) : undefined;
}

function toEntry(row: MetaRow): MetaEntry {
  const [namespace = '', type = row.type, name = ''] = row.key.split('/');
  return {
    key: row.key,
    namespace,
    type,
    name,
    resourceVersion: row.resource_version ?? undefined,
    value: parseValue(row),
  };
}

function parseValue(row: MetaRow): unknown {
  try {
    return JSON.parse(row.value) as unknown;
  } catch (err: unknown) {
    throw new KedgeError(
      'KEDGE_STORE_UNAVAILABLE',
      `meta row ${row.key} is not valid JSON: ${errorMessage(err)}`,
      { resource: row.key },
      { cause: err },
    );
  }
}
