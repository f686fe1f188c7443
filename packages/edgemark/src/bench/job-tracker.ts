// Follows one node-task job through the store's change log (table `changes`,
// packages/store/src/sqlite-schema.ts) on a read-only connection of its own:
// when each milestone was first seen, and afterwards how many writes the job
// and the whole store took, by writer. Everything heavy (walking a 10,000-entry
// status) runs inside SQLite's JSON functions, so the benchmark process stays
// light next to the processes it measures.
import Database from 'better-sqlite3';
import { KedgeError } from '@kedge/api';

export interface JobCounts {
  total: number;
  pending: number;
  inProgress: number;
  successful: number;
  failed: number;
}

export interface JobSnapshot {
  revision: number;
  phase: string | undefined;
  counts: JobCounts;
}

export type Milestone = 'init' | 'allClaimed' | 'allReported' | 'completed';

export interface JobWrites {
  /** Change-log rows of the job after the start revision (its create included). */
  job: number;
  /** Rows that changed only entries: cloudcore's claims and report batches. */
  byCloudcore: number;
  /** Rows that changed phase, progress, reason or metadata: controllermanager. */
  byControllerManager: number;
  /** Bytes of the job's change-log bodies (each is also the objects row it replaced). */
  jobBytes: number;
  /** Every change in the store over the window, by kind. */
  overall: number;
  byKind: Record<string, number>;
}

interface CountRow {
  phase: string | null;
  n: number;
}

export class JobTracker {
  private readonly db: Database.Database;
  private readonly kind: string;
  private readonly name: string;
  private readonly startRevision: number;
  private lastRevision: number;
  /** When each milestone was first seen, ms since the epoch. */
  readonly seen: Partial<Record<Milestone, number>> = {};
  last: JobSnapshot | undefined;
  private readonly sql: Record<
    'head' | 'latest' | 'counts' | 'signatures' | 'kinds' | 'verify',
    Database.Statement
  >;

  constructor(dbPath: string, kind: string, name: string) {
    this.db = new Database(dbPath, { readonly: true, fileMustExist: true });
    this.db.exec('PRAGMA busy_timeout = 10000');
    const db = this.db;
    // Prepared once and kept: statements live as long as the tracker.
    this.sql = {
      head: db.prepare('SELECT revision FROM store_state WHERE id = 1'),
      latest: db.prepare(
        `SELECT revision, json_extract(body, '$.status.phase') AS phase FROM changes
         WHERE kind = ? AND name = ? AND revision > ? ORDER BY revision DESC LIMIT 1`,
      ),
      counts: db.prepare(
        `SELECT json_extract(j.value, '$.phase') AS phase, count(*) AS n
         FROM changes c, json_each(c.body, '$.status.nodeStatus') j
         WHERE c.revision = ? GROUP BY 1`,
      ),
      signatures: db.prepare(
        `SELECT json_extract(body, '$.status.phase', '$.status.progress', '$.status.reason',
                  '$.metadata.generation', '$.metadata.finalizers', '$.spec') AS sig,
                length(body) AS bytes
         FROM changes WHERE kind = ? AND name = ? AND revision > ? AND revision <= ? ORDER BY revision`,
      ),
      kinds: db.prepare(
        'SELECT kind, count(*) AS n FROM changes WHERE revision > ? AND revision <= ? GROUP BY kind',
      ),
      verify: db.prepare(
        `SELECT count(*) AS total, sum(
           json_extract(j.value, '$.phase') = 'Successful'
           AND json_array_length(j.value, '$.actionFlow') = @actions
           AND (SELECT count(*) FROM json_each(j.value, '$.actionFlow') a
                WHERE json_extract(a.value, '$.status') = 'True') = @actions
           AND (@version IS NULL OR json_extract(j.value, '$.currentVersion') = @version)
         ) AS good
         FROM objects o, json_each(o.body, '$.status.nodeStatus') j
         WHERE o.kind = @kind AND o.namespace = '' AND o.name = @name`,
      ),
    };
    this.kind = kind;
    this.name = name;
    this.startRevision = this.head();
    this.lastRevision = this.startRevision;
  }

  head(): number {
    const row = this.sql.head.get() as { revision: number } | undefined;
    if (!row) throw new KedgeError('KEDGE_INTERNAL', 'store_state row missing');
    return row.revision;
  }

  /** Reads the job's newest change since the last poll (if any) and records milestones at `now`. */
  poll(now: number): JobSnapshot | undefined {
    const row = this.sql.latest.get(this.kind, this.name, this.lastRevision) as
      { revision: number; phase: string | null } | undefined;
    if (!row) return undefined;
    this.lastRevision = row.revision;
    const rows = this.sql.counts.all(row.revision) as CountRow[];
    const counts: JobCounts = { total: 0, pending: 0, inProgress: 0, successful: 0, failed: 0 };
    for (const { phase, n } of rows) {
      counts.total += n;
      if (phase === 'Pending') counts.pending += n;
      else if (phase === 'InProgress') counts.inProgress += n;
      else if (phase === 'Successful') counts.successful += n;
      else counts.failed += n;
    }
    const snap: JobSnapshot = { revision: row.revision, phase: row.phase ?? undefined, counts };
    this.last = snap;
    const mark = (m: Milestone, reached: boolean): void => {
      if (reached && this.seen[m] === undefined) this.seen[m] = now;
    };
    const started = snap.phase !== undefined;
    mark('init', started);
    mark('allClaimed', started && counts.total > 0 && counts.pending === 0);
    mark('allReported', counts.total > 0 && counts.successful === counts.total);
    mark('completed', snap.phase === 'Completed');
    return snap;
  }

  /** Counts the writes from the tracker's start up to now (call once the job is done). */
  writes(): JobWrites {
    const end = this.head();
    const rows = this.sql.signatures.all(this.kind, this.name, this.startRevision, end) as {
      sig: string;
      bytes: number;
    }[];
    let byCloudcore = 0;
    let byControllerManager = 0;
    let jobBytes = 0;
    rows.forEach((r, i) => {
      jobBytes += r.bytes;
      if (i === 0) return; // the create
      if (r.sig === rows[i - 1]?.sig) byCloudcore++;
      else byControllerManager++;
    });
    const kinds = this.sql.kinds.all(this.startRevision, end) as { kind: string; n: number }[];
    return {
      job: rows.length,
      byCloudcore,
      byControllerManager,
      jobBytes,
      overall: end - this.startRevision,
      byKind: Object.fromEntries(kinds.map((k) => [k.kind, k.n])),
    };
  }

  /** Entries whose flow is complete: phase Successful, `actions` actions all True, and (upgrade) at `version`. */
  verify(actions: number, version: string | undefined): { good: number; total: number } {
    const row = this.sql.verify.get({
      actions,
      version: version ?? null,
      kind: this.kind,
      name: this.name,
    }) as {
      total: number;
      good: number | null;
    };
    return { good: row.good ?? 0, total: row.total };
  }

  close(): void {
    this.db.close();
  }
}
