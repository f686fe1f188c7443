// Opens the shared SQLite file the way every kedge process must: WAL so that
// readers never block the writer, a busy timeout so that processes queue for
// the write lock instead of failing, and migrations keyed by user_version,
// run under BEGIN IMMEDIATE so two processes starting together migrate once.
import Database from 'better-sqlite3';
import { KedgeError, isKedgeError } from '@kedge/api';

export type Db = Database.Database;

/**
 * better-sqlite3 12 built against Node >= 24.19 headers aborts the whole
 * process when the garbage collector finalizes one of its Database or
 * Statement objects outside a JavaScript context (nodejs/node#65446; an idle
 * GC does exactly that). So none of them may ever become garbage: each one
 * this package creates is pinned here for the life of the process (a few
 * hundred bytes per store opened), and nothing calls db.pragma(), which
 * prepares a throw-away statement. This is the package's one piece of
 * process-wide state, on purpose.
 */
const pinned = new Set<object>();

export function pin<T extends object>(native: T): T {
  pinned.add(native);
  return native;
}

const BUSY_TIMEOUT_MS = 10_000;

/** Each entry moves the schema from version i to i + 1. Append only. */
const MIGRATIONS: readonly string[] = [
  `
  -- Current objects. namespace is '' for cluster-scoped kinds; revision is the
  -- change-log revision of the object's last write (its resourceVersion).
  CREATE TABLE objects (
    kind      TEXT    NOT NULL,
    namespace TEXT    NOT NULL,
    name      TEXT    NOT NULL,
    uid       TEXT    NOT NULL,
    revision  INTEGER NOT NULL,
    body      TEXT    NOT NULL,
    PRIMARY KEY (kind, namespace, name)
  ) WITHOUT ROWID;

  -- One row per write, in commit order. body is the full object after the
  -- write (for DELETED: its last state); prev_labels the labels before it,
  -- so label-selector watches can tell "stopped matching" without state.
  CREATE TABLE changes (
    revision    INTEGER PRIMARY KEY,
    kind        TEXT    NOT NULL,
    namespace   TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    type        TEXT    NOT NULL CHECK (type IN ('ADDED', 'MODIFIED', 'DELETED')),
    body        TEXT    NOT NULL,
    prev_labels TEXT
  );
  CREATE INDEX changes_by_kind ON changes (kind, revision);

  -- The global revision counter and how far the change log was trimmed.
  CREATE TABLE store_state (
    id        INTEGER PRIMARY KEY CHECK (id = 1),
    revision  INTEGER NOT NULL,
    compacted INTEGER NOT NULL
  );
  INSERT INTO store_state (id, revision, compacted) VALUES (1, 0, 0);
  `,
];

const SCHEMA_VERSION = MIGRATIONS.length;

export type Durability = 'full' | 'normal';

function unavailable(path: string, message: string, cause?: unknown): KedgeError {
  return new KedgeError('KEDGE_STORE_UNAVAILABLE', `store ${path}: ${message}`, { file: path }, { cause });
}

function migrate(db: Db, path: string): void {
  const userVersion = pin(db.prepare<[], number>('PRAGMA user_version').pluck());
  const run = db.transaction(() => {
    const from = userVersion.get() ?? 0;
    if (from > SCHEMA_VERSION) {
      throw unavailable(
        path,
        `schema version ${from} is newer than this kedge understands (${SCHEMA_VERSION})`,
      );
    }
    for (let v = from; v < SCHEMA_VERSION; v++) {
      db.exec(MIGRATIONS[v] ?? '');
      db.exec(`PRAGMA user_version = ${v + 1}`);
    }
  });
  run.immediate();
}

/** Opens (creating if needed) and migrates the store file. */
export function openDatabase(path: string, durability: Durability): Db {
  let db: Db | undefined;
  try {
    db = pin(new Database(path));
    // exec(), not pragma(): see `pinned`.
    db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
    db.pragma('journal_mode = WAL');
    db.exec(`PRAGMA synchronous = ${durability === 'full' ? 'FULL' : 'NORMAL'}`);
    migrate(db, path);
    return db;
  } catch (err: unknown) {
    db?.close();
    if (isKedgeError(err)) throw err;
    throw unavailable(path, `cannot open: ${err instanceof Error ? err.message : String(err)}`, err);
  }
}
