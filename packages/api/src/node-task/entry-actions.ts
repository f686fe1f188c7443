// Where a node entry stands in its action flow, and the confirmation rule of
// upgrades that wait for one. controllermanager names the expected action in
// a timeout reason; cloudcore applies progress only for it and sends
// `Confirm` to a node waiting for one the operator gave (job annotation
// `operations.kedge.io/confirm: "*"` or "node-a,node-b").
import {
  ActionName,
  NodeTaskPhase,
  type ActionStatus,
  type NodeTaskType,
} from '../resources/node-task-common.ts';
import { ACTION_FLOWS, CONFIRM_ANNOTATION, nextAction, type NodeTaskKind } from './flow.ts';
import { rolloutOf, taskTypeOf, type NodeTaskJob, type TaskEntry } from './job.ts';

/** The entry's last recorded action, if any. */
export function lastActionOf(entry: TaskEntry): ActionStatus | undefined {
  return entry.actionFlow?.at(-1);
}

/** The action the node is expected to report next; undefined when its flow has ended. */
export function expectedAction(type: NodeTaskType, entry: TaskEntry): ActionName | undefined {
  const last = lastActionOf(entry);
  if (last === undefined) return ACTION_FLOWS[type].first;
  return nextAction(type, last.action, last.status === 'True');
}

/** True when the node has passed Check and waits for an operator to confirm. */
export function awaitsConfirmation(
  type: NodeTaskType,
  entry: TaskEntry,
  requireConfirmation: boolean,
): boolean {
  return requireConfirmation && expectedAction(type, entry) === ActionName.WaitingConfirmation;
}

/** An InProgress entry of a job that requires confirmation, waiting in WaitingConfirmation. */
export function isWaitingForConfirmation(job: NodeTaskJob, entry: TaskEntry): boolean {
  if (entry.phase !== NodeTaskPhase.InProgress) return false;
  const type = taskTypeOf(job.kind as NodeTaskKind);
  return awaitsConfirmation(type, entry, rolloutOf(job).requireConfirmation === true);
}

/**
 * The nodes the job's confirm annotation names: a comma-separated list of node names, blanks
 * ignored; "*" anywhere in it names every node. The one reading of the annotation (the cloud
 * sends Confirm by it, the dashboard shows and merges it).
 */
export function confirmedNodes(job: NodeTaskJob): ReadonlySet<string> | '*' {
  const names = (job.metadata.annotations?.[CONFIRM_ANNOTATION] ?? '')
    .split(',')
    .map((n) => n.trim())
    .filter((n) => n !== '');
  return names.includes('*') ? '*' : new Set(names);
}

/** Whether the job's confirm annotation names the node ("*" names every node). */
export function confirmationGiven(job: NodeTaskJob, nodeName: string): boolean {
  const confirmed = confirmedNodes(job);
  return confirmed === '*' || confirmed.has(nodeName);
}
