// Task handlers for hollow nodes that finish every action at once: the whole
// successful flow of a node task, reported as edgecore's task manager reports
// it (UpdateNodeActionStatus, sync, one report per action), with no work done.
// They let a benchmark measure what the cloud pays for a job, and nothing else.
import {
  ActionName,
  EdgeModules,
  KedgeError,
  NODE_TASK_KINDS,
  NodeTaskOperations,
  NodeTaskRequestSchema,
  Operations,
  WireGroups,
  formatPath,
  newMessage,
  parseNodeTaskResource,
  rfc3339,
  type ActionReport,
  type Message,
} from '@kedge/api';
import type { TaskHandler, TaskNode } from './fleet-options.ts';

export interface InstantTaskOptions {
  /** Time of the reports' finishTime; default Date.now. */
  now?: () => number;
}

/** One action of the flow and the `extend` its report carries. */
interface InstantAction {
  action: ActionName;
  extend: string;
}

type FlowOf = (node: TaskNode, spec: Record<string, unknown>) => InstantAction[];

/** What a node remembers of a task: enough to report the same results again. */
interface Known {
  jobUid: string;
  flow: InstantAction[];
  /** finishTime of each action reported so far (fewer than the flow while waiting for a confirmation). */
  times: string[];
}

const UPGRADE_FLOW: FlowOf = (node, spec) => {
  const from = node.edgecoreVersion;
  const to = typeof spec['version'] === 'string' ? spec['version'] : '';
  return [
    { action: ActionName.Check, extend: '' },
    { action: ActionName.WaitingConfirmation, extend: '' },
    { action: ActionName.Backup, extend: `,${from}` },
    { action: ActionName.Upgrade, extend: `${from},${to}` },
  ];
};

const CONFIG_UPDATE_FLOW: FlowOf = () => [
  { action: ActionName.Check, extend: '' },
  { action: ActionName.Backup, extend: '' },
  { action: ActionName.ConfigUpdate, extend: '' },
];

/**
 * NodeUpgradeJob: Check, WaitingConfirmation, Backup (extend ",<from>"),
 * Upgrade (extend "<from>,<to>"), all True. With `requireConfirmation` it
 * reports Check and the rest once the cloud sends `Confirm`.
 */
export function instantUpgrade(options: InstantTaskOptions = {}): TaskHandler {
  return instantTaskHandler(NODE_TASK_KINDS.NodeUpgradeJob, UPGRADE_FLOW, options);
}

/** ConfigUpdateJob: Check, Backup, ConfigUpdate, all True. */
export function instantConfigUpdate(options: InstantTaskOptions = {}): TaskHandler {
  return instantTaskHandler(NODE_TASK_KINDS.ConfigUpdateJob, CONFIG_UPDATE_FLOW, options);
}

/**
 * All the reports are returned at once (the fleet sends them back to back;
 * cloudcore handles one node's messages in order). A task sent again (after
 * a reconnect) with the same jobUid is not run again: the same reports, with
 * the same finishTime, are returned, so the cloud finds them recorded.
 */
function instantTaskHandler(taskType: string, flowOf: FlowOf, options: InstantTaskOptions): TaskHandler {
  const now = options.now ?? Date.now;
  const tasks = new WeakMap<TaskNode, Map<string, Known>>();
  return (node: TaskNode, msg: Message): Message[] => {
    const { resource, operation } = msg.route;
    const route = parseNodeTaskResource(resource);
    if (!route || route.taskType !== taskType || route.node !== node.name) {
      throw new KedgeError(
        'KEDGE_TASK_INVALID',
        `node ${node.name}: resource: ${JSON.stringify(resource)} is not a ${taskType} task of this node`,
        { node: node.name, resource },
      );
    }
    let known = tasks.get(node);
    if (!known) {
      known = new Map();
      tasks.set(node, known);
    }
    if (operation === NodeTaskOperations.confirm) {
      const task = known.get(resource);
      if (!task || task.times.length === task.flow.length) return []; // not waiting: nothing to do
      const from = task.times.length;
      const time = rfc3339(new Date(now()));
      while (task.times.length < task.flow.length) task.times.push(time);
      return reports(resource, task, from);
    }
    if (operation !== ActionName.Check) return []; // every flow starts at Check
    const request = NodeTaskRequestSchema.safeParse(msg.content);
    if (!request.success) {
      const problems = request.error.issues.map((i) => `${formatPath(['content', ...i.path])}: ${i.message}`);
      throw new KedgeError('KEDGE_TASK_INVALID', `node ${node.name}: ${problems.join('; ')}`, {
        node: node.name,
        resource,
      });
    }
    const { jobUid, spec } = request.data;
    let task = known.get(resource);
    if (!task || task.jobUid !== jobUid) {
      const flow = flowOf(node, spec);
      const waits =
        spec['requireConfirmation'] === true && flow[1]?.action === ActionName.WaitingConfirmation;
      const time = rfc3339(new Date(now()));
      task = { jobUid, flow, times: flow.slice(0, waits ? 1 : flow.length).map(() => time) };
      known.set(resource, task);
    }
    return reports(resource, task, 0);
  };
}

/** UpdateNodeActionStatus reports of the task's actions from index `from` on, as far as they finished. */
function reports(resource: string, task: Known, from: number): Message[] {
  const out: Message[] = [];
  for (let i = from; i < task.times.length; i++) {
    const { action, extend } = task.flow[i]!;
    const content: ActionReport = {
      action,
      succ: true,
      finishTime: task.times[i]!,
      reason: '',
      extend,
      jobUid: task.jobUid,
    };
    out.push(
      newMessage({
        source: EdgeModules.taskManager,
        group: WireGroups.taskManager,
        operation: Operations.updateNodeActionStatus,
        resource,
        content,
        sync: true,
      }),
    );
  }
  return out;
}

/** The instant handlers by job kind, for CLIs. */
export const INSTANT_HANDLERS = {
  NodeUpgradeJob: instantUpgrade,
  ConfigUpdateJob: instantConfigUpdate,
} as const;
export type InstantTaskKind = keyof typeof INSTANT_HANDLERS;

export function isInstantTaskKind(kind: string): kind is InstantTaskKind {
  return Object.hasOwn(INSTANT_HANDLERS, kind);
}
