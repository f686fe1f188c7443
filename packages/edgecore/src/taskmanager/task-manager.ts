// taskManager: the edge end of node tasks (module `taskmanager`, group
// `taskmanager`, off by default as in KubeEdge). It takes task requests and
// confirmations from the cloud (via EdgeHub) and from `keadm ctl confirm`
// (via metaServer), deduplicates tasks by `<type>/<job>/<node>` + jobUid,
// runs them with TaskRunner and resumes unfinished ones when edgecore starts.
// Disabled (modules.taskManager.enable: false) it still takes task requests,
// and answers each with a failure whose reason says so (TASK_MANAGER_DISABLED),
// so the cloud shows the cause instead of a timeout.
import type BetterSqlite3 from 'better-sqlite3';
import {
  ActionName,
  EdgeGroups,
  EdgeModules,
  KedgeError,
  NodeTaskOperations,
  NodeTaskRequestSchema,
  NodeTaskType,
  describeIssues,
  errorMessage,
  hasCode,
  isActionInFlow,
  normalizeActionName,
  parseNodeTaskResource,
  parseV1alpha1TaskResource,
  rfc3339,
  type Message,
} from '@kedge/api';
import type { Module, ModuleContext } from '@kedge/beehive';
import { systemClock, type Clock, type Logger } from '@kedge/runtime';
import type { Reports } from '../reporting/edge-reporter.ts';
import { actionReportMessage } from './action-report.ts';
import { CloudConnectionWatch } from './cloud-connection-watch.ts';
import { TaskRunner } from './task-runner.ts';
import { V1alpha1Executor } from './v1alpha1-executor.ts';
import { TaskStore } from './task-store.ts';
import { TaskStates, taskKey, type ActionRegistry, type TaskRecord } from './task-types.ts';

export interface TaskManagerOptions {
  /** modules.taskManager.enable (default false). */
  enabled: boolean;
  nodeName: string;
  db: BetterSqlite3.Database;
  /** The outbox's writer (EdgeReporter): results are stored with the task, then sent. */
  reporter: Reports;
  actions: ActionRegistry;
  /** Asks edgecore to exit so that the launcher starts it again. */
  requestRestart(reason: string): void;
  clock?: Clock;
  /** Finished tasks kept for deduplication (default 50). */
  keepDoneTasks?: number;
}

/** Actions whose in-flight state lives outside the database (install markers): a newer job must not replace them. */
const RESTARTING_ACTIONS: ReadonlySet<ActionName> = new Set([
  ActionName.Upgrade,
  ActionName.Rollback,
  ActionName.ConfigUpdate,
]);

/** Longest wait for the cloud to acknowledge pending reports before a restart. */
const REPORT_DRAIN_MS = 10_000;

const TASK_TYPES: ReadonlySet<string> = new Set(Object.values(NodeTaskType));

/** The reason every task gets from a node whose task manager is disabled. */
export const TASK_MANAGER_DISABLED =
  'KEDGE_TASK_MODULE_DISABLED: taskManager module disabled on this node (modules.taskManager.enable: false); ' +
  'set it to true in edgecore.yaml and restart edgecore to run node tasks here';

export class TaskManager implements Module {
  readonly name = EdgeModules.taskManager;
  readonly group = EdgeGroups.taskManager;
  /** Always on the bus, so that a disabled task manager can still refuse tasks. */
  readonly enabled = true;
  /** modules.taskManager.enable: runs tasks (false: refuses each one with TASK_MANAGER_DISABLED). */
  readonly active: boolean;
  readonly #o: TaskManagerOptions;
  readonly #clock: Clock;
  readonly #store: TaskStore;
  readonly #connection = new CloudConnectionWatch();
  #runner: TaskRunner | undefined;
  #log: Logger | undefined;

  constructor(options: TaskManagerOptions) {
    this.#o = options;
    this.active = options.enabled;
    this.#clock = options.clock ?? systemClock;
    this.#store = new TaskStore({ db: options.db, reports: options.reporter, clock: this.#clock });
  }

  /** The task as stored, for tests and diagnostics. */
  task(key: string): TaskRecord | undefined {
    return this.#store.get(key);
  }

  /**
   * Restarts once the reports before the restart are acknowledged: a restart
   * into a config or version that cannot reach the cloud must not strand the
   * results the old process already had (e.g. Backup). Bounded: while the
   * cloud is unreachable the outbox keeps them for the next connection.
   */
  async #restartAfterReports(reason: string, signal: AbortSignal): Promise<void> {
    const deadline = this.#clock.now() + REPORT_DRAIN_MS;
    while (this.#o.reporter.pending() > 0 && this.#connection.connected && this.#clock.now() < deadline) {
      try {
        await this.#clock.sleep(50, signal);
      } catch {
        break;
      }
    }
    const left = this.#o.reporter.pending();
    if (left > 0) this.#log?.warn({ pending: left, reason }, 'restarting with reports not yet acknowledged');
    this.#o.requestRestart(reason);
  }

  async start(ctx: ModuleContext): Promise<void> {
    this.#log = ctx.log;
    const runner = new TaskRunner({
      store: this.#store,
      actions: this.#o.actions,
      send: (msg) => this.#o.reporter.send(msg),
      sendProgress: (msg) => ctx.bus.send(EdgeModules.edgeHub, msg, ctx.signal),
      clock: this.#clock,
      log: ctx.log,
      connection: this.#connection,
      requestRestart: (reason) => void this.#restartAfterReports(reason, ctx.signal),
      signal: ctx.signal,
    });
    this.#runner = runner;
    // v1alpha1 tasks (cloud gate disableNodeTaskV1alpha2): one stage per request, same actions and table.
    const v1alpha1 = new V1alpha1Executor({
      store: this.#store,
      actions: this.#o.actions,
      nodeName: this.#o.nodeName,
      reports: this.#o.reporter,
      clock: this.#clock,
      log: ctx.log,
      connection: this.#connection,
      requestRestart: (reason) => void this.#restartAfterReports(reason, ctx.signal),
      signal: ctx.signal,
    });
    const refusal = this.active ? undefined : TASK_MANAGER_DISABLED;
    try {
      if (this.active) {
        this.#resume(runner);
        v1alpha1.resume();
      }
      while (!ctx.signal.aborted) {
        let msg: Message;
        try {
          msg = await ctx.receive();
        } catch (err: unknown) {
          if (ctx.signal.aborted || hasCode(err, 'KEDGE_BUS_STOPPED')) return;
          throw err;
        }
        try {
          if (parseV1alpha1TaskResource(msg.route.resource)) v1alpha1.handle(msg, refusal);
          else this.#handle(runner, ctx.log, msg, refusal);
        } catch (err: unknown) {
          ctx.log.error(
            { msgId: msg.header.msg_id, resource: msg.route.resource, err: errorMessage(err) },
            'task message failed',
          );
        }
      }
    } finally {
      await runner.stop();
      await v1alpha1.stop();
      this.#runner = undefined;
    }
  }

  /**
   * Confirms waiting node upgrades from this node (`keadm ctl confirm`, via
   * metaServer): every upgrade task not yet past WaitingConfirmation, or the one
   * of `job`. Returns the confirmed task keys; KEDGE_STORE_NOT_FOUND when none.
   */
  confirmLocal(by: string, job?: string): string[] {
    const keys = this.#store
      .unfinished()
      .filter((t) => !V1alpha1Executor.owns(t.key))
      .filter((t) => t.type === NodeTaskType.nodeUpgradeJob && (job === undefined || t.job === job))
      .filter(
        (t) => t.currentAction === ActionName.Check || t.currentAction === ActionName.WaitingConfirmation,
      )
      .map((t) => t.key);
    if (keys.length === 0) {
      const which = job === undefined ? 'no node upgrade' : `no node upgrade of job ${job}`;
      throw new KedgeError(
        'KEDGE_STORE_NOT_FOUND',
        `${which} is waiting for confirmation on node ${this.#o.nodeName}`,
        {
          node: this.#o.nodeName,
          ...(job === undefined ? {} : { job }),
        },
      );
    }
    for (const key of keys) this.#confirm(key, by);
    return keys;
  }

  #confirm(key: string, by: string): void {
    this.#store.confirm(key, by);
    this.#log?.info({ task: key, by }, `task confirmed by ${by}`);
    this.#runner?.wake(key);
  }

  #resume(runner: TaskRunner): void {
    for (const task of this.#store.unfinished()) {
      if (V1alpha1Executor.owns(task.key)) continue; // resumed by the v1alpha1 executor
      const action = task.currentAction ?? ActionName.Check;
      const resuming = task.state === TaskStates.running;
      this.#log?.info({ task: task.key, action, state: task.state }, 'resuming unfinished task');
      runner.start(task, action, resuming);
    }
  }

  /** A message from the cloud; with `refusal`, a task request is answered with that failure and not run. */
  #handle(runner: TaskRunner, log: Logger, msg: Message, refusal?: string): void {
    const op = msg.route.operation;
    if (op === 'cloud_connected' || op === 'cloud_disconnected') {
      this.#connection.set(op === 'cloud_connected');
      return;
    }
    const parsed = parseNodeTaskResource(msg.route.resource);
    if (!parsed || !TASK_TYPES.has(parsed.taskType)) {
      log.warn({ resource: msg.route.resource, op }, 'not a node task resource; message dropped');
      return;
    }
    if (parsed.node !== this.#o.nodeName) {
      log.warn(
        { resource: msg.route.resource, op, node: this.#o.nodeName },
        `task for node ${parsed.node} dropped: this is ${this.#o.nodeName}`,
      );
      return;
    }
    const type = parsed.taskType as NodeTaskType;
    const key = taskKey(type, parsed.job, parsed.node);
    if (op === NodeTaskOperations.confirm) {
      if (refusal === undefined) this.#cloudConfirm(log, key, msg.content);
      return;
    }
    const action = normalizeActionName(op);
    if (action === undefined || !isActionInFlow(type, action)) {
      log.warn({ task: key, op }, `operation ${op} is not an action of ${type}; message dropped`);
      return;
    }
    const request = NodeTaskRequestSchema.safeParse(msg.content);
    if (!request.success) {
      this.#reject(
        log,
        { type, job: parsed.job, node: parsed.node, key },
        undefined,
        action,
        `task request: ${describeIssues(request.error).join('; ')}`,
      );
      return;
    }
    const { jobUid, spec } = request.data;
    if (refusal !== undefined) {
      this.#reject(log, { type, job: parsed.job, node: parsed.node, key }, jobUid, action, refusal);
      return;
    }
    const existing = this.#store.get(key);
    if (existing?.jobUid === jobUid) {
      this.#known(runner, log, existing);
      return;
    }
    if (
      existing &&
      existing.state !== TaskStates.done &&
      existing.currentAction &&
      RESTARTING_ACTIONS.has(existing.currentAction)
    ) {
      this.#reject(
        log,
        { type, job: parsed.job, node: parsed.node, key },
        jobUid,
        action,
        `an earlier job named ${parsed.job} (uid ${existing.jobUid}) is still in ${existing.currentAction} on this node`,
      );
      return;
    }
    runner.cancel(key);
    const task = this.#store.create({
      key,
      jobUid,
      type,
      job: parsed.job,
      node: parsed.node,
      spec,
      firstAction: action,
    });
    log.info({ task: key, jobUid, action, replaced: existing?.jobUid }, 'task received');
    runner.start(task, action, false);
    this.#store.pruneDone(this.#o.keepDoneTasks ?? 50);
  }

  /** A re-sent task: answer with what is recorded; do not start it again. */
  #known(runner: TaskRunner, log: Logger, task: TaskRecord): void {
    const results = this.#store.results(task.key);
    log.info(
      { task: task.key, state: task.state, action: task.currentAction, reports: results.length },
      'task already known; re-reporting its results',
    );
    for (const r of results) {
      this.#o.reporter
        .report(r.message)
        .catch((err: unknown) => log.warn({ task: task.key, err: errorMessage(err) }, 're-report queued'));
    }
    if (task.state !== TaskStates.done && !runner.isRunning(task.key, task.jobUid)) {
      runner.start(task, task.currentAction ?? ActionName.Check, task.state === TaskStates.running);
    }
  }

  #cloudConfirm(log: Logger, key: string, content: unknown): void {
    const jobUid = (content as { jobUid?: unknown } | null)?.jobUid;
    const task = this.#store.get(key);
    if (!task || task.state === TaskStates.done || (typeof jobUid === 'string' && jobUid !== task.jobUid)) {
      log.info({ task: key, jobUid }, 'confirmation for a task that is not running here ignored');
      return;
    }
    this.#confirm(key, 'the cloud');
  }

  /** Reports a request that cannot be run as a failed first action, without storing a task. */
  #reject(
    log: Logger,
    where: { type: NodeTaskType; job: string; node: string; key: string },
    jobUid: string | undefined,
    action: ActionName,
    reason: string,
  ): void {
    log.warn({ task: where.key, action, reason }, 'task request rejected');
    const now = this.#clock.now();
    const record: TaskRecord = {
      ...where,
      jobUid: jobUid ?? '',
      spec: {},
      state: TaskStates.done,
      currentAction: undefined,
      confirmedBy: undefined,
      createdAt: now,
      updatedAt: now,
    };
    const msg = actionReportMessage(
      record,
      { action, succ: false, reason, extend: '', finishTime: rfc3339(new Date(now)) },
      now,
    );
    if (jobUid === undefined) delete (msg.content as { jobUid?: string }).jobUid;
    this.#o.reporter
      .report(msg)
      .catch((err: unknown) =>
        log.warn({ task: where.key, err: errorMessage(err) }, 'rejection report queued'),
      );
  }
}
