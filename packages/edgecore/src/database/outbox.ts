// Reports the cloud must not lose (events, node-task action results) wait here
// until the cloud answers `response` with their msg_id. EdgeReporter is the
// one writer (a report enters once, inside its caller's transaction when it
// has one); EdgeHub sends, counts every send in `attempts`, re-sends
// pending() after every reconnect, and acks on the cloud's reply. Rows are
// written with synchronous=FULL, so a report enqueued before a crash or a
// power cut is still pending afterwards.
import type BetterSqlite3 from 'better-sqlite3';
import { KedgeError, errorMessage, type Message } from '@kedge/api';

export interface OutboxOptions {
  /** An edge database opened by openEdgeDatabase (the outbox table exists). */
  db: BetterSqlite3.Database;
  clock?: { now(): number };
}

export interface OutboxEntry {
  seq: number;
  message: Message;
  createdAt: number;
  attempts: number;
}

interface OutboxRow {
  seq: number;
  msg_id: string;
  message: string;
  created_at: number;
  attempts: number;
}

export class Outbox {
  readonly #clock: { now(): number };
  readonly #insert: BetterSqlite3.Statement<[string, string, number]>;
  readonly #pending: BetterSqlite3.Statement<[number], OutboxRow>;
  readonly #attempt: BetterSqlite3.Statement<[string]>;
  readonly #attempts: BetterSqlite3.Transaction<(msgIds: readonly string[]) => void>;
  readonly #stats: BetterSqlite3.Statement<[], { n: number; max: number | null }>;
  readonly #delete: BetterSqlite3.Statement<[string]>;
  readonly #count: BetterSqlite3.Statement<[], { n: number }>;
  readonly #supersede: BetterSqlite3.Statement<[string, string]>;
  readonly #replace: BetterSqlite3.Transaction<(msg: Message) => number>;

  constructor(options: OutboxOptions) {
    const { db } = options;
    this.#clock = options.clock ?? { now: () => Date.now() };
    this.#insert = db.prepare(
      'INSERT INTO outbox (msg_id, message, created_at, attempts) VALUES (?, ?, ?, 0) ON CONFLICT(msg_id) DO NOTHING',
    );
    this.#pending = db.prepare(
      'SELECT seq, msg_id, message, created_at, attempts FROM outbox ORDER BY seq LIMIT ?',
    );
    this.#attempt = db.prepare('UPDATE outbox SET attempts = attempts + 1 WHERE msg_id = ?');
    this.#attempts = db.transaction((msgIds: readonly string[]) => {
      for (const id of msgIds) this.#attempt.run(id);
    });
    this.#stats = db.prepare('SELECT count(*) AS n, max(attempts) AS max FROM outbox');
    this.#delete = db.prepare('DELETE FROM outbox WHERE msg_id = ?');
    this.#count = db.prepare('SELECT count(*) AS n FROM outbox');
    this.#supersede = db.prepare(
      `DELETE FROM outbox WHERE json_extract(message, '$.route.resource') = ?
         AND json_extract(message, '$.route.operation') = ?`,
    );
    this.#replace = db.transaction((msg: Message) => {
      const dropped = this.#supersede.run(msg.route.resource, msg.route.operation).changes;
      this.enqueue(msg);
      return dropped;
    });
  }

  /**
   * enqueue(), dropping in the same transaction every pending message with the
   * same resource and operation: for state reports (a pod's status) where only
   * the newest matters. Returns how many older ones it superseded.
   */
  enqueueLatest(msg: Message): number {
    return this.#replace(msg);
  }

  /**
   * Stores `msg` durably, as a sync message (asSync), before returning; the
   * caller's object is left as it was. Returns false when a message with the
   * same msg_id is already queued (it is kept as it was).
   */
  enqueue(msg: Message): boolean {
    return this.#insert.run(msg.header.msg_id, JSON.stringify(asSync(msg)), this.#clock.now()).changes === 1;
  }

  /** The oldest `limit` messages still unacknowledged, oldest first. */
  pending(limit = 100): Message[] {
    return this.entries(limit).map((e) => e.message);
  }

  /** pending() with the bookkeeping columns, for logs and back-off decisions. */
  entries(limit = 100): OutboxEntry[] {
    return this.#pending.all(limit).map((row) => ({
      seq: row.seq,
      message: parseRow(row),
      createdAt: row.created_at,
      attempts: row.attempts,
    }));
  }

  /** Counts one more send of each of `msgIds`, in one transaction (no-op for ids not queued). */
  markAttempts(msgIds: readonly string[]): void {
    if (msgIds.length > 0) this.#attempts(msgIds);
  }

  /** How many reports wait and the most sends any of them has had, for logs and diagnostics. */
  stats(): { pending: number; maxAttempts: number } {
    const row = this.#stats.get();
    return { pending: row?.n ?? 0, maxAttempts: row?.max ?? 0 };
  }

  /** Removes `msgId`; true if it was queued. Acking twice is harmless. */
  ack(msgId: string): boolean {
    return this.#delete.run(msgId).changes === 1;
  }

  size(): number {
    return this.#count.get()?.n ?? 0;
  }
}

/** `msg` as the outbox stores and sends it: header.sync set (a copy when it was not). */
export function asSync(msg: Message): Message {
  return msg.header.sync === true ? msg : { ...msg, header: { ...msg.header, sync: true } };
}

function parseRow(row: OutboxRow): Message {
  try {
    return JSON.parse(row.message) as Message;
  } catch (err: unknown) {
    throw new KedgeError(
      'KEDGE_STORE_UNAVAILABLE',
      `outbox row ${row.seq} (msg_id ${row.msg_id}) is not valid JSON: ${errorMessage(err)}`,
      { msgId: row.msg_id },
      { cause: err },
    );
  }
}
