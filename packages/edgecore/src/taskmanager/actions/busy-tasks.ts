// Upgrades and config updates both restart edgecore and change its install:
// only one of them may be in progress on a node at a time.
import { NodeTaskType } from '@kedge/api';
import type { ActionContext } from '../task-types.ts';

const RESTARTING_TYPES: ReadonlySet<string> = new Set([
  NodeTaskType.nodeUpgradeJob,
  NodeTaskType.configUpdateJob,
]);

/** One line per other unfinished upgrade / config update on this node. */
export function busyProblems(ctx: Pick<ActionContext, 'otherActiveTasks'>): string[] {
  return ctx
    .otherActiveTasks()
    .filter((t) => RESTARTING_TYPES.has(t.type))
    .map((t) => `another node task is in progress on this node: ${t.key} (${t.currentAction ?? 'starting'})`);
}
