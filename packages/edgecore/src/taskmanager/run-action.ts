// Runs one action of a task (or resumes it after a restart) with its
// context; a thrown error becomes a failed result with the error as reason.
// Shared by the v1alpha2 TaskRunner and the v1alpha1 executor.
import { errorMessage, type ActionName } from '@kedge/api';
import type { Logger } from '@kedge/runtime';
import type { CloudConnectionWatch } from './cloud-connection-watch.ts';
import type { TaskStore } from './task-store.ts';
import type { ActionContext, ActionOutcome, ActionRegistry, TaskRecord } from './task-types.ts';

export interface RunActionDeps {
  store: TaskStore;
  actions: ActionRegistry;
  connection: CloudConnectionWatch;
  log: Logger;
}

/** The action's outcome; undefined when `signal` aborted while it ran. */
export async function runAction(
  deps: RunActionDeps,
  task: TaskRecord,
  action: ActionName,
  resume: boolean,
  signal: AbortSignal,
  progress: (extend: string) => void,
): Promise<ActionOutcome | undefined> {
  const impl = deps.actions[task.type]?.[action];
  if (!impl) {
    return {
      kind: 'finished',
      succ: false,
      reason: `this edgecore has no ${action} action for ${task.type} tasks`,
    };
  }
  const ctx: ActionContext = {
    task,
    signal,
    log: deps.log.child({ task: task.key, action }),
    whenConnected: () => deps.connection.whenConnected(signal),
    otherActiveTasks: () => deps.store.unfinished().filter((t) => t.key !== task.key),
    lastFinishedAt: () => {
      const last = deps.store.results(task.key).at(-1);
      return last === undefined ? undefined : Date.parse(last.finishTime);
    },
    progress,
  };
  try {
    return await (resume && impl.resume ? impl.resume(ctx) : impl.run(ctx));
  } catch (err: unknown) {
    if (signal.aborted) return undefined;
    return { kind: 'finished', succ: false, reason: errorMessage(err) };
  }
}
