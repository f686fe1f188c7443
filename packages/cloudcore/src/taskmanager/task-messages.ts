// Cloud -> edge node-task messages (docs/node-tasks.md, Wire): the task itself
// (operation = the flow's first action) and the operator's confirmation.
import {
  ACTION_FLOWS,
  CloudModules,
  NodeTaskOperations,
  WireGroups,
  newMessage,
  nodeTaskResource,
  type Message,
  type NodeTaskRequest,
} from '@kedge/api';
import { taskTypeOf, type NodeTaskJob } from './node-task-jobs.ts';

export function taskMessage(job: NodeTaskJob, node: string, now: number): Message {
  const type = taskTypeOf(job);
  const content: NodeTaskRequest = {
    jobUid: job.metadata.uid ?? '',
    spec: job.spec as Record<string, unknown>,
  };
  return newMessage({
    source: CloudModules.taskManager,
    group: WireGroups.taskManager,
    operation: ACTION_FLOWS[type].first,
    resource: nodeTaskResource(type, job.metadata.name, node),
    content,
    now,
  });
}

export function confirmMessage(job: NodeTaskJob, node: string, now: number): Message {
  return newMessage({
    source: CloudModules.taskManager,
    group: WireGroups.taskManager,
    operation: NodeTaskOperations.confirm,
    resource: nodeTaskResource(taskTypeOf(job), job.metadata.name, node),
    content: { jobUid: job.metadata.uid ?? '' },
    now,
  });
}
