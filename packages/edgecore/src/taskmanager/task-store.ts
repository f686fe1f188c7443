// The task manager's SQLite tables (migration 2): one row per task and one
// per finished action. An action is marked running before it starts, and its
// result, the task's next state and the report's outbox row are written in
// one transaction, so a crash can neither lose a finished action's report
// nor make the task report it twice.
import type BetterSqlite3 from 'better-sqlite3';
import {
  KedgeError,
  errorMessage,
  normalizeActionName,
  type ActionName,
  type Message,
  type NodeTaskType,
} from '@kedge/api';
import type { Clock } from '@kedge/runtime';
import type { Reports } from '../reporting/edge-reporter.ts';
import { TaskStates, type TaskRecord, type TaskState } from './task-types.ts';

export interface NewTask {
  key: string;
  jobUid: string;
  type: NodeTaskType;
  job: string;
  node: string;
  spec: Record<string, unknown>;
  firstAction: ActionName;
}

export interface ActionResult {
  action: ActionName;
  succ: boolean;
  reason: string;
  extend: string;
  finishTime: string;
}

export interface StoredResult extends ActionResult {
  /** The report sent for it (same msg_id every time it is sent). */
  message: Message;
}

interface TaskRow {
  key: string;
  job_uid: string;
  type: string;
  job: string;
  node: string;
  spec: string;
  state: string;
  current_action: string | null;
  confirmed_by: string | null;
  created_at: number;
  updated_at: number;
}

interface ResultRow {
  action: string;
  succ: number;
  reason: string;
  extend: string;
  finish_time: string;
  message: string;
}

export class TaskStore {
  readonly #db: BetterSqlite3.Database;
  readonly #reports: Pick<Reports, 'store'>;
  readonly #clock: Pick<Clock, 'now'>;
  readonly #get: BetterSqlite3.Statement<[string], TaskRow>;
  readonly #unfinished: BetterSqlite3.Statement<[], TaskRow>;
  readonly #delete: BetterSqlite3.Statement<[string]>;
  readonly #insert: BetterSqlite3.Statement<
    [string, string, string, string, string, string, string, number, number]
  >;
  readonly #setState: BetterSqlite3.Statement<[string, string | null, number, string]>;
  readonly #confirm: BetterSqlite3.Statement<[string, number, string]>;
  readonly #insertResult: BetterSqlite3.Statement<
    [string, string, string, number, string, string, string, string]
  >;
  readonly #results: BetterSqlite3.Statement<[string], ResultRow>;
  readonly #doneKeys: BetterSqlite3.Statement<[number], { key: string }>;

  constructor(options: {
    db: BetterSqlite3.Database;
    /** Writes a report into the outbox (EdgeReporter.store), here inside finish()'s transaction. */
    reports: Pick<Reports, 'store'>;
    clock: Pick<Clock, 'now'>;
  }) {
    const db = options.db;
    this.#db = db;
    this.#reports = options.reports;
    this.#clock = options.clock;
    const columns =
      'key, job_uid, type, job, node, spec, state, current_action, confirmed_by, created_at, updated_at';
    this.#get = db.prepare(`SELECT ${columns} FROM node_task WHERE key = ?`);
    this.#unfinished = db.prepare(
      `SELECT ${columns} FROM node_task WHERE state != 'done' ORDER BY created_at, key`,
    );
    this.#delete = db.prepare('DELETE FROM node_task WHERE key = ?');
    this.#insert = db.prepare(
      `INSERT INTO node_task (key, job_uid, type, job, node, spec, state, current_action, confirmed_by, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, 'running', ?, NULL, ?, ?)`,
    );
    this.#setState = db.prepare(
      'UPDATE node_task SET state = ?, current_action = ?, updated_at = ? WHERE key = ?',
    );
    this.#confirm = db.prepare('UPDATE node_task SET confirmed_by = ?, updated_at = ? WHERE key = ?');
    this.#insertResult = db.prepare(
      `INSERT INTO node_task_result (task_key, job_uid, action, succ, reason, extend, finish_time, message)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.#results = db.prepare(
      'SELECT action, succ, reason, extend, finish_time, message FROM node_task_result WHERE task_key = ? ORDER BY seq',
    );
    this.#doneKeys = db.prepare(
      "SELECT key FROM node_task WHERE state = 'done' ORDER BY updated_at DESC LIMIT -1 OFFSET ?",
    );
  }

  get(key: string): TaskRecord | undefined {
    const row = this.#get.get(key);
    return row ? toRecord(row) : undefined;
  }

  /** Tasks whose flow has not ended, oldest first. */
  unfinished(): TaskRecord[] {
    return this.#unfinished.all().map(toRecord);
  }

  /** Stores a new task about to run `firstAction`, replacing any task with the same key (and its results). */
  create(task: NewTask): TaskRecord {
    const now = this.#clock.now();
    this.#write('create', task.key, () => {
      this.#delete.run(task.key);
      this.#insert.run(
        task.key,
        task.jobUid,
        task.type,
        task.job,
        task.node,
        JSON.stringify(task.spec),
        task.firstAction,
        now,
        now,
      );
    });
    return this.get(task.key) as TaskRecord;
  }

  /** The "before" write: `action` is about to run. */
  begin(key: string, action: ActionName): void {
    this.#write('begin', key, () => this.#setState.run(TaskStates.running, action, this.#clock.now(), key));
  }

  /** `action` waits for a confirmation. */
  wait(key: string, action: ActionName): void {
    this.#write('wait', key, () => this.#setState.run(TaskStates.waiting, action, this.#clock.now(), key));
  }

  /** Records who confirmed; false when the task does not exist. */
  confirm(key: string, by: string): boolean {
    let changed = false;
    this.#write('confirm', key, () => {
      changed = this.#confirm.run(by, this.#clock.now(), key).changes === 1;
    });
    return changed;
  }

  /**
   * The "after" write, in one transaction: the result, the task's next state
   * (running `next`, or done when the flow ends) and the report in the outbox.
   * Returns the report as stored, the one to hand to EdgeHub.
   */
  finish(
    key: string,
    jobUid: string,
    result: ActionResult,
    next: ActionName | undefined,
    report: Message,
  ): Message {
    let stored = report;
    this.#write('finish', key, () => {
      stored = this.#reports.store(report);
      this.#insertResult.run(
        key,
        jobUid,
        result.action,
        result.succ ? 1 : 0,
        result.reason,
        result.extend,
        result.finishTime,
        JSON.stringify(stored),
      );
      const state: TaskState = next === undefined ? TaskStates.done : TaskStates.running;
      this.#setState.run(state, next ?? null, this.#clock.now(), key);
    });
    return stored;
  }

  /** Every finished action of the task, in order, with its report. */
  results(key: string): StoredResult[] {
    return this.#results.all(key).map((row) => ({
      action: normalizeActionName(row.action) as ActionName,
      succ: row.succ === 1,
      reason: row.reason,
      extend: row.extend,
      finishTime: row.finish_time,
      message: JSON.parse(row.message) as Message,
    }));
  }

  /** Forgets finished tasks beyond the newest `keep`; returns how many were removed. */
  pruneDone(keep: number): number {
    const keys = this.#doneKeys.all(keep).map((r) => r.key);
    if (keys.length > 0) this.#write('prune', keys.join(','), () => keys.forEach((k) => this.#delete.run(k)));
    return keys.length;
  }

  #write(what: string, key: string, fn: () => void): void {
    try {
      this.#db.transaction(fn)();
    } catch (err: unknown) {
      throw new KedgeError(
        'KEDGE_STORE_UNAVAILABLE',
        `task ${key}: cannot ${what} in the edge database: ${errorMessage(err)}`,
        { resource: key },
        { cause: err },
      );
    }
  }
}

function toRecord(row: TaskRow): TaskRecord {
  return {
    key: row.key,
    jobUid: row.job_uid,
    type: row.type as NodeTaskType,
    job: row.job,
    node: row.node,
    spec: JSON.parse(row.spec) as Record<string, unknown>,
    state: row.state as TaskState,
    currentAction: row.current_action === null ? undefined : normalizeActionName(row.current_action),
    confirmedBy: row.confirmed_by ?? undefined,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
