// Runs tasks through their action flow (ACTION_FLOWS), one async run per
// task: mark the action running, run it, then record its result, the next
// state and the report in one transaction and hand the report to EdgeHub.
// An action aborted by a stop is not recorded: the next start resumes it.
import { errorMessage, nextAction, rfc3339, type ActionName, type Message } from '@kedge/api';
import type { Clock, Logger } from '@kedge/runtime';
import { actionProgressMessage, actionReportMessage } from './action-report.ts';
import type { CloudConnectionWatch } from './cloud-connection-watch.ts';
import type { TaskStore } from './task-store.ts';
import { runAction } from './run-action.ts';
import type { ActionOutcome, ActionRegistry, TaskRecord } from './task-types.ts';

export interface TaskRunnerOptions {
  store: TaskStore;
  actions: ActionRegistry;
  /** Hands a report finish() stored in the outbox to EdgeHub (EdgeReporter.send). */
  send(msg: Message): Promise<void>;
  /** Hands a progress message to EdgeHub (sent if connected, else dropped); default: progress is not sent. */
  sendProgress?(msg: Message): Promise<void>;
  clock: Clock;
  log: Logger;
  connection: CloudConnectionWatch;
  /** Asks edgecore to exit so the launcher starts it again (an action's result comes after it). */
  requestRestart(reason: string): void;
  /** Aborted when the task manager stops. */
  signal: AbortSignal;
}

interface Run {
  jobUid: string;
  abort: AbortController;
  done: Promise<void>;
  wake?: () => void;
}

export class TaskRunner {
  readonly #o: TaskRunnerOptions;
  readonly #runs = new Map<string, Run>();

  constructor(options: TaskRunnerOptions) {
    this.#o = options;
  }

  /** True while a run of this task (this job uid) is in flight in this process. */
  isRunning(key: string, jobUid?: string): boolean {
    const run = this.#runs.get(key);
    return run !== undefined && (jobUid === undefined || run.jobUid === jobUid);
  }

  /** Starts the flow of `task` at `action`; `resuming` when the action was in flight when edgecore died. */
  start(task: TaskRecord, action: ActionName, resuming: boolean): void {
    this.cancel(task.key);
    const abort = new AbortController();
    const signal = AbortSignal.any([this.#o.signal, abort.signal]);
    const run: Run = { jobUid: task.jobUid, abort, done: Promise.resolve() };
    run.done = this.#flow(task, action, resuming, signal, run)
      .catch((err: unknown) => {
        this.#o.log.error({ task: task.key, err: errorMessage(err) }, 'task run failed');
      })
      .finally(() => {
        if (this.#runs.get(task.key) === run) this.#runs.delete(task.key);
      });
    this.#runs.set(task.key, run);
  }

  /** Stops the run of a task (it was replaced by a newer job of the same name). */
  cancel(key: string): void {
    this.#runs.get(key)?.abort.abort(new Error(`task ${key} was replaced`));
  }

  /** Makes a waiting action of the task run again (it was confirmed). */
  wake(key: string): void {
    this.#runs.get(key)?.wake?.();
  }

  /** Aborts every run (not recorded: each resumes on the next start) and resolves when all have returned. */
  async stop(): Promise<void> {
    const runs = [...this.#runs.values()];
    for (const run of runs) run.abort.abort(new Error('task manager stopping'));
    await Promise.all(runs.map((r) => r.done));
  }

  async #flow(
    first: TaskRecord,
    start: ActionName,
    resuming: boolean,
    signal: AbortSignal,
    run: Run,
  ): Promise<void> {
    const { store, log } = this.#o;
    let action: ActionName | undefined = start;
    let resume = resuming;
    while (action !== undefined && !signal.aborted) {
      const task = store.get(first.key);
      if (task?.jobUid !== first.jobUid) return; // replaced or forgotten
      if (!resume) store.begin(task.key, action);
      const outcome = await this.#attempt(task, action, resume, signal);
      resume = false;
      if (outcome === undefined || signal.aborted) return;
      if (outcome.kind === 'waiting') {
        store.wait(task.key, action);
        // A confirmation stored while the action ran has no run to wake: look once more.
        if (store.get(task.key)?.confirmedBy !== undefined) continue;
        log.info({ task: task.key, action }, 'waiting for confirmation (keadm ctl confirm, or the cloud)');
        await this.#waitForWake(run, signal, outcome.until);
        continue;
      }
      if (outcome.kind === 'restarting') {
        log.info(
          { task: task.key, action, reason: outcome.reason },
          'restarting edgecore; the result follows the restart',
        );
        this.#o.requestRestart(outcome.reason);
        return;
      }
      const next = nextAction(task.type, action, outcome.succ);
      this.#record(task, action, outcome, next);
      action = next;
    }
  }

  #attempt(
    task: TaskRecord,
    action: ActionName,
    resume: boolean,
    signal: AbortSignal,
  ): Promise<ActionOutcome | undefined> {
    this.#o.log.info({ task: task.key, action, resume }, resume ? 'resuming action' : 'starting action');
    return runAction(this.#o, task, action, resume, signal, (extend) =>
      this.#progress(task, action, extend, signal),
    );
  }

  #record(
    task: TaskRecord,
    action: ActionName,
    outcome: { succ: boolean; reason?: string; extend?: string },
    next: ActionName | undefined,
  ): void {
    const now = this.#o.clock.now();
    const result = {
      action,
      succ: outcome.succ,
      reason: outcome.succ ? '' : oneLine(outcome.reason ?? ''),
      extend: outcome.extend ?? '',
      finishTime: rfc3339(new Date(now)),
    };
    const msg = this.#o.store.finish(
      task.key,
      task.jobUid,
      result,
      next,
      actionReportMessage(task, result, now),
    );
    this.#o.log.info(
      { task: task.key, action, succ: result.succ, reason: result.reason || undefined, next: next ?? 'end' },
      'action finished',
    );
    this.#o.send(msg).catch((err: unknown) => {
      this.#o.log.warn(
        { task: task.key, msgId: msg.header.msg_id, err: errorMessage(err) },
        'report queued; EdgeHub will send it',
      );
    });
  }

  #progress(task: TaskRecord, action: ActionName, extend: string, signal: AbortSignal): void {
    if (!this.#o.sendProgress || signal.aborted) return;
    const msg = actionProgressMessage(task, action, extend, this.#o.clock.now());
    this.#o.sendProgress(msg).catch((err: unknown) => {
      this.#o.log.debug({ task: task.key, action, err: errorMessage(err) }, 'progress not sent');
    });
  }

  /** Until wake(), the stop signal, or `until` (epoch ms) passes. */
  #waitForWake(run: Run, signal: AbortSignal, until: number | undefined): Promise<void> {
    const timer = new AbortController();
    return new Promise<void>((resolve) => {
      const done = (): void => {
        run.wake = undefined;
        signal.removeEventListener('abort', done);
        timer.abort();
        resolve();
      };
      run.wake = done;
      signal.addEventListener('abort', done, { once: true });
      if (until !== undefined) {
        this.#o.clock
          .sleep(Math.max(0, until - this.#o.clock.now()), timer.signal)
          .then(done, () => undefined);
      }
    });
  }
}

/** Reasons end up in one status field: multi-line error messages are joined. */
function oneLine(text: string): string {
  return text
    .trim()
    .replace(/:\s*\n\s*/g, ': ')
    .replace(/\s*\n\s*/g, '; ');
}
