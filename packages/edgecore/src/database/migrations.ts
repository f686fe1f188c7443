// The edge database schema, as an ordered list of migrations keyed by
// `PRAGMA user_version`. Append only: a new module adds its tables with the
// next version number; never edit or reorder a migration that has shipped.
// Keep migrations additive (new tables, new columns, new indexes) so that an
// older edgecore restored by a rollback still runs on a newer file.
import type BetterSqlite3 from 'better-sqlite3';
import { KedgeError } from '@kedge/api';

export interface EdgeMigration {
  /** user_version after this migration; 1, 2, 3, ... without gaps. */
  readonly version: number;
  /** What it adds, for logs. */
  readonly name: string;
  readonly up: (db: BetterSqlite3.Database) => void;
}

export const EDGE_MIGRATIONS: readonly EdgeMigration[] = [
  {
    version: 1,
    name: 'meta cache and outbox',
    up(db) {
      // key is `<ns>/<type>/<name>` (ns `null` for cluster-scoped), as KubeEdge keys its meta table.
      db.exec(`
        CREATE TABLE meta (
          key TEXT PRIMARY KEY,
          type TEXT NOT NULL,
          value TEXT NOT NULL,
          resource_version TEXT
        );
        CREATE INDEX meta_type ON meta(type);
        CREATE TABLE outbox (
          seq INTEGER PRIMARY KEY AUTOINCREMENT,
          msg_id TEXT NOT NULL UNIQUE,
          message TEXT NOT NULL,
          created_at INTEGER NOT NULL,
          attempts INTEGER NOT NULL DEFAULT 0
        );
      `);
    },
  },
  {
    version: 2,
    name: 'node tasks',
    up(db) {
      // One row per task, keyed `<type>/<job>/<node>`; job_uid tells a recreated job apart.
      // state: running (current_action is in flight), waiting (for a confirmation), done.
      // node_task_result holds every finished action with the report sent for it, so a
      // re-sent task can be answered with the same reports (same msg_id: idempotent).
      db.exec(`
        CREATE TABLE node_task (
          key TEXT PRIMARY KEY,
          job_uid TEXT NOT NULL,
          type TEXT NOT NULL,
          job TEXT NOT NULL,
          node TEXT NOT NULL,
          spec TEXT NOT NULL,
          state TEXT NOT NULL,
          current_action TEXT,
          confirmed_by TEXT,
          created_at INTEGER NOT NULL,
          updated_at INTEGER NOT NULL
        );
        CREATE TABLE node_task_result (
          seq INTEGER PRIMARY KEY AUTOINCREMENT,
          task_key TEXT NOT NULL REFERENCES node_task(key) ON DELETE CASCADE,
          job_uid TEXT NOT NULL,
          action TEXT NOT NULL,
          succ INTEGER NOT NULL,
          reason TEXT NOT NULL,
          extend TEXT NOT NULL,
          finish_time TEXT NOT NULL,
          message TEXT NOT NULL
        );
        CREATE INDEX node_task_result_task ON node_task_result(task_key, seq);
      `);
    },
  },
  {
    version: 3,
    name: 'meta tombstones',
    up(db) {
      // The UIDs of objects the cloud deleted, so that a late update of one (an older message
      // re-sent after a reconnect) cannot bring it back. Pruned after a day.
      db.exec(`
        CREATE TABLE meta_tombstone (
          uid TEXT PRIMARY KEY,
          key TEXT NOT NULL,
          resource_version TEXT,
          deleted_at INTEGER NOT NULL
        );
        CREATE INDEX meta_tombstone_deleted_at ON meta_tombstone(deleted_at);
      `);
    },
  },
];

/** Throws when the list is not 1..n in order (a programming error, caught by the unit test). */
export function checkMigrations(migrations: readonly EdgeMigration[]): void {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) {
      throw new KedgeError(
        'KEDGE_INTERNAL',
        `edge migration "${m.name}" has version ${m.version}, expected ${i + 1}`,
      );
    }
  });
}
