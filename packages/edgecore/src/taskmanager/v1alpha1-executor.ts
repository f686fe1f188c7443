// The edge end of v1alpha1 node tasks (feature gate disableNodeTaskV1alpha2
// on the cloud; the edge needs no setting: it picks by resource). The cloud
// sends one stage at a time (`upgrade|prepull/{job}/node/{node}`, a
// NodeTaskRequest); the stage runs the same action a v1alpha2 task would:
//   upgrade: Checking -> Check, BackingUp -> Backup, Upgrading -> Upgrade
//            (a failed Upgrade is followed by Rollback), RollingBack -> Rollback
//   prepull: Checking -> Check, Pulling -> PrePull
// and its end goes back as a NodeTaskResponse on `task/{job}/node/{node}`
// through the outbox. Tasks live in the same table as v1alpha2 ones, keyed
// `v1alpha1/<type>/<job>/<node>`, so an Upgrade that restarts edgecore is
// resumed and reported by the next process, and a re-sent stage is answered
// with the recorded report instead of running again.
import {
  ActionName,
  EdgeModules,
  NodeTaskType,
  V1alpha1Action,
  V1alpha1Event,
  V1alpha1State,
  V1alpha1TaskRequestSchema,
  WireGroups,
  describeIssues,
  errorMessage,
  newMessage,
  parseV1alpha1TaskResource,
  rfc3339,
  v1alpha1ReportResource,
  type Message,
  type V1alpha1TaskResponse,
  type V1alpha1TaskType,
} from '@kedge/api';
import type { Clock, Logger } from '@kedge/runtime';
import type { Reports } from '../reporting/edge-reporter.ts';
import type { CloudConnectionWatch } from './cloud-connection-watch.ts';
import { runAction } from './run-action.ts';
import type { ActionResult, TaskStore } from './task-store.ts';
import { TaskStates, type ActionOutcome, type ActionRegistry, type TaskRecord } from './task-types.ts';

const V1ALPHA1_KEY_PREFIX = 'v1alpha1/';

const TASK_TYPE: Record<V1alpha1TaskType, NodeTaskType> = {
  upgrade: NodeTaskType.nodeUpgradeJob,
  prepull: NodeTaskType.imagePrePullJob,
};

const STAGE_ACTION: Record<V1alpha1TaskType, Partial<Record<string, ActionName>>> = {
  upgrade: {
    [V1alpha1State.Checking]: ActionName.Check,
    [V1alpha1State.BackingUp]: ActionName.Backup,
    [V1alpha1State.Upgrading]: ActionName.Upgrade,
    [V1alpha1State.RollingBack]: ActionName.Rollback,
  },
  prepull: { [V1alpha1State.Checking]: ActionName.Check, [V1alpha1State.Pulling]: ActionName.PrePull },
};

/** The stage an action answers for (a Rollback follows a failed Upgrade in the Upgrading stage). */
function stageOf(key: string, action: ActionName): string {
  const type = key.slice(V1ALPHA1_KEY_PREFIX.length).split('/')[0] as V1alpha1TaskType;
  if (action === ActionName.Rollback) return V1alpha1State.Upgrading;
  const found = Object.entries(STAGE_ACTION[type] ?? {}).find(([, a]) => a === action);
  return found?.[0] ?? '';
}

const EVENT_OF: Partial<Record<ActionName, string>> = {
  [ActionName.Check]: V1alpha1Event.Check,
  [ActionName.Backup]: V1alpha1Event.Backup,
  [ActionName.Upgrade]: V1alpha1Event.Upgrade,
  [ActionName.Rollback]: V1alpha1Event.Rollback,
  [ActionName.PrePull]: V1alpha1Event.Pull,
};

export interface V1alpha1ExecutorOptions {
  store: TaskStore;
  actions: ActionRegistry;
  nodeName: string;
  /** send() hands an answer finish() stored to EdgeHub; report() re-queues a recorded one. */
  reports: Pick<Reports, 'send' | 'report'>;
  clock: Clock;
  log: Logger;
  connection: CloudConnectionWatch;
  requestRestart(reason: string): void;
  signal: AbortSignal;
}

export class V1alpha1Executor {
  readonly #o: V1alpha1ExecutorOptions;
  readonly #runs = new Map<string, Promise<void>>();

  constructor(options: V1alpha1ExecutorOptions) {
    this.#o = options;
  }

  static owns(key: string): boolean {
    return key.startsWith(V1ALPHA1_KEY_PREFIX);
  }

  /** Resumes v1alpha1 tasks whose action was in flight when edgecore stopped. */
  resume(): void {
    for (const task of this.#o.store.unfinished()) {
      if (!V1alpha1Executor.owns(task.key) || task.currentAction === undefined) continue;
      const stage = stageOf(task.key, task.currentAction);
      this.#o.log.info({ task: task.key, action: task.currentAction, stage }, 'resuming v1alpha1 task');
      this.#start(task, stage, task.currentAction, task.state === TaskStates.running);
    }
  }

  /** A stage request from the cloud; with `refusal`, answered with that failure and not run. */
  handle(msg: Message, refusal?: string): void {
    const log = this.#o.log;
    const where = parseV1alpha1TaskResource(msg.route.resource);
    if (!where || where.node !== this.#o.nodeName) {
      log.warn(
        { resource: msg.route.resource },
        `v1alpha1 task not for this node (${this.#o.nodeName}); dropped`,
      );
      return;
    }
    const parsed = V1alpha1TaskRequestSchema.safeParse(msg.content);
    if (!parsed.success) {
      log.warn(
        { resource: msg.route.resource, problems: describeIssues(parsed.error) },
        'bad v1alpha1 task request; dropped',
      );
      return;
    }
    const { State: stage, Item: item } = parsed.data;
    const key = `${V1ALPHA1_KEY_PREFIX}${where.type}/${where.job}/${where.node}`;
    const action = STAGE_ACTION[where.type][stage];
    const type = TASK_TYPE[where.type];
    if (action === undefined || refusal !== undefined) {
      const reason = refusal ?? `${stage} is not a stage of ${where.type} tasks`;
      const task = this.#o.store.create({
        key,
        jobUid: item.jobUid,
        type,
        job: where.job,
        node: where.node,
        spec: item.spec,
        firstAction: ActionName.Check,
      });
      this.#record(
        task,
        stage,
        action ?? ActionName.Check,
        { kind: 'finished', succ: false, reason },
        undefined,
      );
      return;
    }
    const existing = this.#o.store.get(key);
    if (existing?.jobUid === item.jobUid) {
      const answered = this.#o.store
        .results(key)
        .filter((r) => (r.message.content as Partial<V1alpha1TaskResponse> | null)?.State === stage);
      if (answered.length > 0) {
        log.info({ task: key, stage }, 'v1alpha1 stage already ran; re-sending its answer');
        for (const r of answered) this.#resend(key, r.message, true);
        return;
      }
      if (this.#runs.has(key)) return;
      const current = existing.state === TaskStates.running ? existing.currentAction : undefined;
      const inFlight = current !== undefined && stageOf(key, current) === stage;
      this.#start(existing, stage, inFlight ? current : action, inFlight);
      return;
    }
    if (this.#runs.has(key)) {
      log.warn(
        { task: key, stage },
        'a v1alpha1 task of an older job of that name is still running here; request dropped',
      );
      return;
    }
    const task = this.#o.store.create({
      key,
      jobUid: item.jobUid,
      type,
      job: where.job,
      node: where.node,
      spec: item.spec,
      firstAction: action,
    });
    log.info({ task: key, jobUid: item.jobUid, stage, action }, 'v1alpha1 stage received');
    this.#start(task, stage, action, false);
  }

  async stop(): Promise<void> {
    await Promise.all([...this.#runs.values()]);
  }

  #start(task: TaskRecord, stage: string, action: ActionName, resuming: boolean): void {
    const run = this.#flow(task, stage, action, resuming)
      .catch((err: unknown) =>
        this.#o.log.error({ task: task.key, err: errorMessage(err) }, 'v1alpha1 task run failed'),
      )
      .finally(() => this.#runs.delete(task.key));
    this.#runs.set(task.key, run);
  }

  async #flow(first: TaskRecord, stage: string, start: ActionName, resuming: boolean): Promise<void> {
    const { store } = this.#o;
    let action: ActionName | undefined = start;
    let resume = resuming;
    while (action !== undefined && !this.#o.signal.aborted) {
      const task = store.get(first.key);
      if (task?.jobUid !== first.jobUid) return;
      if (!resume) store.begin(task.key, action);
      const outcome = await this.#attempt(task, action, resume);
      resume = false;
      if (outcome === undefined || this.#o.signal.aborted) return;
      if (outcome.kind === 'restarting') {
        this.#o.log.info(
          { task: task.key, action, reason: outcome.reason },
          'restarting edgecore; the answer follows the restart',
        );
        this.#o.requestRestart(outcome.reason);
        return;
      }
      const result: ActionOutcome =
        outcome.kind === 'waiting'
          ? { kind: 'finished', succ: false, reason: 'v1alpha1 tasks do not wait for a confirmation' }
          : outcome;
      // As in v1alpha2, a failed upgrade is rolled back at once (and both are answered).
      const next: ActionName | undefined =
        action === ActionName.Upgrade && result.kind === 'finished' && !result.succ
          ? ActionName.Rollback
          : undefined;
      this.#record(task, stage, action, result, next);
      action = next;
    }
  }

  #attempt(task: TaskRecord, action: ActionName, resume: boolean): Promise<ActionOutcome | undefined> {
    // v1alpha1 has no progress reports.
    return runAction(this.#o, task, action, resume, this.#o.signal, () => undefined);
  }

  #record(
    task: TaskRecord,
    stage: string,
    action: ActionName,
    outcome: ActionOutcome,
    next: ActionName | undefined,
  ): void {
    if (outcome.kind !== 'finished') return;
    const now = this.#o.clock.now();
    const time = rfc3339(new Date(now));
    const reason = outcome.succ ? '' : (outcome.reason ?? '').trim().replace(/\s*\n\s*/g, '; ');
    const result: ActionResult = {
      action,
      succ: outcome.succ,
      reason,
      extend: outcome.extend ?? '',
      finishTime: time,
    };
    const content: V1alpha1TaskResponse = {
      NodeName: task.node,
      State: stage,
      Event: EVENT_OF[action] ?? action,
      Action: outcome.succ ? V1alpha1Action.Success : V1alpha1Action.Failure,
      Reason: reason,
      Time: time,
      jobUid: task.jobUid,
      Extend: result.extend,
    };
    const type = task.key.slice(V1ALPHA1_KEY_PREFIX.length).split('/')[0] ?? '';
    const answer = newMessage({
      source: EdgeModules.taskManager,
      group: WireGroups.taskManager,
      operation: type,
      resource: v1alpha1ReportResource(task.job, task.node),
      content,
      sync: true,
      now,
    });
    const msg = this.#o.store.finish(task.key, task.jobUid, result, next, answer);
    this.#o.log.info(
      { task: task.key, stage, action, succ: outcome.succ, reason: reason || undefined },
      'v1alpha1 stage answered',
    );
    this.#resend(task.key, msg);
  }

  /** Hands an answer to EdgeHub; `requeue` puts an answer the cloud may have acknowledged back into the outbox. */
  #resend(key: string, msg: Message, requeue = false): void {
    (requeue ? this.#o.reports.report(msg) : this.#o.reports.send(msg)).catch((err: unknown) => {
      this.#o.log.warn({ task: key, err: errorMessage(err) }, 'answer queued; EdgeHub will send it');
    });
  }
}
