// The edge node's one SQLite file (KubeEdge: /var/lib/kubeedge/edgecore.db).
// Opened once by main.ts and shared by the edge modules: metaManager's cache,
// the outbox of reliable reports, and later the task manager's tables.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type BetterSqlite3 from 'better-sqlite3';
import { KedgeError, errorMessage } from '@kedge/api';
import { EDGE_MIGRATIONS, checkMigrations, type EdgeMigration } from './migrations.ts';

export interface EdgeDatabase {
  /** The raw connection, for modules that keep their own prepared statements. */
  readonly db: BetterSqlite3.Database;
  readonly path: string;
  /** user_version after opening; may exceed the newest known migration after a rollback. */
  readonly schemaVersion: number;
  close(): void;
}

export interface OpenEdgeDatabaseOptions {
  /** Defaults to EDGE_MIGRATIONS; tests pass their own list. */
  migrations?: readonly EdgeMigration[];
  /** ms a writer waits for a lock held by another connection (default 5000). */
  busyTimeoutMs?: number;
}

export function openEdgeDatabase(path: string, options: OpenEdgeDatabaseOptions = {}): EdgeDatabase {
  const migrations = options.migrations ?? EDGE_MIGRATIONS;
  checkMigrations(migrations);
  let db: BetterSqlite3.Database;
  try {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    db = new Database(path);
  } catch (err: unknown) {
    throw new KedgeError(
      'KEDGE_STORE_UNAVAILABLE',
      `cannot open edge database ${path}: ${errorMessage(err)}`,
      {
        file: path,
      },
      { cause: err },
    );
  }
  try {
    db.pragma('journal_mode = WAL');
    // FULL: a commit is on disk when it returns, so an enqueued report survives a power cut.
    db.pragma('synchronous = FULL');
    db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
    db.pragma('foreign_keys = ON');
    const schemaVersion = migrate(db, migrations);
    return {
      db,
      path,
      schemaVersion,
      close: () => {
        if (db.open) db.close();
      },
    };
  } catch (err: unknown) {
    db.close();
    throw new KedgeError(
      'KEDGE_STORE_UNAVAILABLE',
      `cannot prepare edge database ${path}: ${errorMessage(err)}`,
      { file: path },
      { cause: err },
    );
  }
}

/** Applies every migration newer than user_version, each in its own transaction. */
function migrate(db: BetterSqlite3.Database, migrations: readonly EdgeMigration[]): number {
  let current = db.pragma('user_version', { simple: true }) as number;
  for (const m of migrations) {
    if (m.version <= current) continue;
    try {
      db.transaction(() => {
        m.up(db);
        db.pragma(`user_version = ${m.version}`);
      })();
    } catch (err: unknown) {
      throw new KedgeError(
        'KEDGE_STORE_UNAVAILABLE',
        `migration ${m.version} (${m.name}) failed: ${errorMessage(err)}`,
        { migration: m.version },
        { cause: err },
      );
    }
    current = m.version;
  }
  return current;
}
