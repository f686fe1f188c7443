// A restored database must not bring back the past of the node tasks. The
// backup is taken in the middle of a task (Backup runs before Upgrade), so its
// copy of the task tables says "running"; an edgecore started on it would run
// the finished task again (upgrade again, report Backup/Upgrade twice). So a
// restore keeps the task manager's own tables from the live database: the
// tasks and their results, and the outbox of reports still owed to the cloud.
// Everything else (the edge cache) comes from the backup.
import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';

/** Tables that record what node tasks did; the live copy wins over the backup's. Parents first. */
const TASK_STATE_TABLES = ['node_task', 'node_task_result', 'outbox'] as const;

export interface TaskState {
  tables: Map<string, Record<string, unknown>[]>;
}

/** Reads the task tables of the live database (undefined when there is none). */
export function readTaskState(dbPath: string): TaskState | undefined {
  if (!existsSync(dbPath)) return undefined;
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    const tables = new Map<string, Record<string, unknown>[]>();
    for (const table of TASK_STATE_TABLES) {
      if (!hasTable(db, table)) continue;
      tables.set(table, db.prepare(`SELECT * FROM "${table}"`).all() as Record<string, unknown>[]);
    }
    return { tables };
  } finally {
    db.close();
  }
}

/** Replaces the restored database's task tables with the live rows, in one transaction. */
export function writeTaskState(dbPath: string, state: TaskState): void {
  const db = new Database(dbPath, { fileMustExist: true });
  try {
    db.transaction(() => {
      for (const table of [...TASK_STATE_TABLES].reverse()) {
        if (state.tables.has(table) && hasTable(db, table)) db.prepare(`DELETE FROM "${table}"`).run();
      }
      for (const table of TASK_STATE_TABLES) {
        const rows = state.tables.get(table);
        if (!rows || !hasTable(db, table)) continue;
        const columns = new Set(columnsOf(db, table));
        const names = Object.keys(rows[0] ?? {}).filter((c) => columns.has(c));
        if (names.length === 0) continue;
        const insert = db.prepare(
          `INSERT INTO "${table}" (${names.map((n) => `"${n}"`).join(', ')}) VALUES (${names.map(() => '?').join(', ')})`,
        );
        for (const row of rows) insert.run(...names.map((n) => row[n]));
      }
    })();
  } finally {
    db.close();
  }
}

function hasTable(db: Database.Database, table: string): boolean {
  return db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(table) !== undefined;
}

function columnsOf(db: Database.Database, table: string): string[] {
  return (db.prepare(`PRAGMA table_info("${table}")`).all() as { name: string }[]).map((c) => c.name);
}
