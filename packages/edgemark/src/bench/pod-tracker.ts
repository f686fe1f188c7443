// Follows the pods of a benchmark through the store's change log (table
// `changes`, packages/store/src/sqlite-schema.ts) on a read-only connection:
// only rows newer than the last poll are read, and SQLite's JSON functions
// pull out the two facts per Pod row that matter (bound to a node; Running
// with Ready True), so each poll costs what was written since the last one.
// It records when each pod was first created, bound and Running, and counts
// every write in the window by kind.
import Database from 'better-sqlite3';
import { KedgeError } from '@kedge/api';

interface ChangeRow {
  revision: number;
  kind: string;
  name: string;
  type: string;
  ours: number;
  node: string | null;
  ready: number | null;
}

export interface PodTimes {
  created?: number;
  bound?: number;
  running?: number;
}

/** Rows read per statement; a poll reads until it is caught up. */
const PAGE = 20_000;

export class PodTracker {
  private readonly db: Database.Database;
  private readonly namespace: string;
  private last: number;
  readonly startRevision: number;
  readonly pods = new Map<string, PodTimes>();
  readonly writesByKind: Record<string, number> = {};
  created = 0;
  bound = 0;
  running = 0;
  private readonly sql: Record<'head' | 'rows' | 'oldest', Database.Statement>;

  constructor(dbPath: string, namespace: string) {
    this.db = new Database(dbPath, { readonly: true, fileMustExist: true });
    this.db.exec('PRAGMA busy_timeout = 10000');
    this.namespace = namespace;
    this.sql = {
      head: this.db.prepare('SELECT revision FROM store_state WHERE id = 1'),
      oldest: this.db.prepare('SELECT min(revision) AS r FROM changes'),
      rows: this.db.prepare(
        `SELECT revision, kind, name, type, (kind = 'Pod' AND namespace = @ns) AS ours,
                CASE WHEN kind = 'Pod' AND namespace = @ns THEN json_extract(body, '$.spec.nodeName') END AS node,
                CASE WHEN kind = 'Pod' AND namespace = @ns THEN
                  json_extract(body, '$.status.phase') = 'Running' AND EXISTS (
                    SELECT 1 FROM json_each(body, '$.status.conditions') c
                    WHERE json_extract(c.value, '$.type') = 'Ready' AND json_extract(c.value, '$.status') = 'True')
                END AS ready
         FROM changes WHERE revision > @after ORDER BY revision LIMIT ${PAGE}`,
      ),
    };
    this.startRevision = this.head();
    this.last = this.startRevision;
  }

  head(): number {
    return (this.sql.head.get() as { revision: number }).revision;
  }

  /** Store writes since the tracker was made (the revision counter, every kind). */
  get writes(): number {
    return this.last - this.startRevision;
  }

  /** Reads every change since the last poll; `now` stamps what it saw first. */
  poll(now: number): void {
    for (;;) {
      const rows = this.sql.rows.all({ ns: this.namespace, after: this.last }) as ChangeRow[];
      const first = rows[0];
      if (first && first.revision !== this.last + 1) this.checkNotTrimmed();
      for (const r of rows) this.apply(r, now);
      if (rows.length < PAGE) return;
    }
  }

  close(): void {
    this.db.close();
  }

  private apply(r: ChangeRow, now: number): void {
    this.last = r.revision;
    this.writesByKind[r.kind] = (this.writesByKind[r.kind] ?? 0) + 1;
    if (r.ours !== 1 || r.type === 'DELETED') return;
    let t = this.pods.get(r.name);
    if (!t) {
      t = { created: now };
      this.pods.set(r.name, t);
      this.created += 1;
    }
    if (t.bound === undefined && r.node) {
      t.bound = now;
      this.bound += 1;
    }
    if (t.running === undefined && r.ready === 1) {
      t.running = now;
      this.running += 1;
    }
  }

  /** Revisions skipped by an aborted transaction are fine; rows trimmed before they were read are not. */
  private checkNotTrimmed(): void {
    const oldest = (this.sql.oldest.get() as { r: number | null }).r;
    if (oldest !== null && oldest > this.last + 1) {
      throw new KedgeError(
        'KEDGE_INTERNAL',
        `the change log was trimmed past revision ${this.last} (oldest ${oldest}) before the benchmark read it; poll more often`,
      );
    }
  }
}
