// The shapes the task manager's parts share: a task as stored, an action's
// outcome, and the contract every action implements.
import type { ActionName, NodeTaskType } from '@kedge/api';
import type { Logger } from '@kedge/runtime';

/** running: `currentAction` is in flight (or about to be); waiting: for a confirmation; done: the flow ended. */
export const TaskStates = {
  running: 'running',
  waiting: 'waiting',
  done: 'done',
} as const;
export type TaskState = (typeof TaskStates)[keyof typeof TaskStates];

export interface TaskRecord {
  /** `<type>/<job>/<node>` */
  readonly key: string;
  readonly jobUid: string;
  readonly type: NodeTaskType;
  readonly job: string;
  readonly node: string;
  /** The job's spec as the cloud sent it. */
  readonly spec: Record<string, unknown>;
  readonly state: TaskState;
  readonly currentAction: ActionName | undefined;
  /** Who confirmed it ("keadm ctl confirm", "cloud"); undefined while unconfirmed. */
  readonly confirmedBy: string | undefined;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export function taskKey(type: string, job: string, node: string): string {
  return `${type}/${job}/${node}`;
}

/** What one run of an action came to. */
export type ActionOutcome =
  /** The action ended; the runner reports it and follows the flow. */
  | { kind: 'finished'; succ: boolean; reason?: string; extend?: string }
  /** Nothing to do until the task is confirmed (or `until`, epoch ms, passes); the action runs again then. */
  | { kind: 'waiting'; until?: number }
  /** edgecore must restart; the action's result is reported by the next process (resume). */
  | { kind: 'restarting'; reason: string };

export interface ActionContext {
  readonly task: TaskRecord;
  /** Aborted when the task manager stops; an aborted action is not recorded and resumes on the next start. */
  readonly signal: AbortSignal;
  readonly log: Logger;
  /** Resolves once edgecore is registered with the cloud (at once if it is now). */
  whenConnected(): Promise<void>;
  /** Tasks of this node not yet done, except this one. */
  otherActiveTasks(): TaskRecord[];
  /** When the task's last recorded action finished (epoch ms); undefined before the first. */
  lastFinishedAt(): number | undefined;
  /**
   * Tells the cloud how far the action got (UpdateNodeActionProgress; `extend`
   * in the shape of the action's final report). Best effort: sent only while
   * connected, never stored; the final report supersedes it.
   */
  progress(extend: string): void;
}

export interface TaskAction {
  /** Runs the action from the start. */
  run(ctx: ActionContext): Promise<ActionOutcome>;
  /**
   * Called instead of run() when the process died (or restarted on purpose)
   * while the action was in flight. Absent = the action is idempotent and is
   * simply run again.
   */
  resume?(ctx: ActionContext): Promise<ActionOutcome>;
}

/** The actions this edgecore can run, per task type. */
export type ActionRegistry = Partial<Record<NodeTaskType, Partial<Record<ActionName, TaskAction>>>>;

export function finished(succ: boolean, reason = '', extend = ''): ActionOutcome {
  return { kind: 'finished', succ, reason, extend };
}
