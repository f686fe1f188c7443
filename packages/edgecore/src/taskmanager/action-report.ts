// The edge -> cloud report of one finished action (docs/node-tasks.md, Wire):
// operation UpdateNodeActionStatus on the task's resource, sync (outbox); and
// the progress of a running one (UpdateNodeActionProgress, not sync).
import {
  EdgeModules,
  NodeTaskOperations,
  Operations,
  WireGroups,
  newMessage,
  nodeTaskResource,
  type ActionName,
  type ActionProgress,
  type ActionReport,
  type Message,
} from '@kedge/api';
import type { ActionResult } from './task-store.ts';
import type { TaskRecord } from './task-types.ts';

export function actionReportMessage(task: TaskRecord, result: ActionResult, now: number): Message {
  const content: ActionReport = {
    action: result.action,
    succ: result.succ,
    finishTime: result.finishTime,
    // KubeEdge sets a reason only on failure; a success never carries one.
    reason: result.succ ? '' : result.reason,
    extend: result.extend,
    jobUid: task.jobUid,
  };
  return newMessage({
    source: EdgeModules.taskManager,
    group: WireGroups.taskManager,
    operation: Operations.updateNodeActionStatus,
    resource: nodeTaskResource(task.type, task.job, task.node),
    content,
    sync: true,
    now,
  });
}

/** How far a running action got; not sync: it does not go through the outbox and is not acknowledged. */
export function actionProgressMessage(
  task: TaskRecord,
  action: ActionName,
  extend: string,
  now: number,
): Message {
  const content: ActionProgress = { action, extend, jobUid: task.jobUid };
  return newMessage({
    source: EdgeModules.taskManager,
    group: WireGroups.taskManager,
    operation: NodeTaskOperations.updateNodeActionProgress,
    resource: nodeTaskResource(task.type, task.job, task.node),
    content,
    now,
  });
}
