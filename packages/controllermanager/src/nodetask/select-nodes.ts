// Resolves a job's targets when it is first seen: exactly one of nodeNames
// and labelSelector picks the candidates; each becomes a status entry,
// Pending when the task can run there, Failure with the reason otherwise.
// One pass over the nodes (selector) or one lookup per name, so a
// 10,000-node job costs linear time.
import {
  errorMessage,
  isEdgeNode,
  isNodeReady,
  type Node,
  NodeLabels,
  nodeReadyCondition,
  NodeTaskPhase,
  type Rollout,
  type TaskEntry,
} from '@kedge/api';
import { labelSelectorToString, matchesLabelSelector, parseLabelSelector } from '@kedge/store';

/** Read access to the Nodes (the controller passes its informer cache). */
export interface NodeLookup {
  get(name: string): Node | undefined;
  list(): Node[];
}

export type Selection =
  { readonly ok: true; readonly entries: TaskEntry[] } | { readonly ok: false; readonly reason: string };

/**
 * The status entries for `rollout`'s targets, or the job-level reason it
 * cannot select any. `path` prefixes field names in reasons (`spec.`).
 */
export function selectNodes(rollout: Rollout, nodes: NodeLookup, path = 'spec.'): Selection {
  const byName = rollout.nodeNames !== undefined && rollout.nodeNames.length > 0;
  const bySelector = rollout.labelSelector !== undefined;
  if (byName && bySelector) {
    return {
      ok: false,
      reason: `${path}nodeNames and ${path}labelSelector are both set; set exactly one of them`,
    };
  }
  if (!byName && !bySelector) {
    return {
      ok: false,
      reason: `neither ${path}nodeNames nor ${path}labelSelector is set; set exactly one of them`,
    };
  }
  if (byName) {
    const names = [...new Set(rollout.nodeNames)];
    return { ok: true, entries: names.map((name) => entryFor(name, nodes.get(name))) };
  }
  let selector: string;
  let matched: Node[];
  try {
    selector = labelSelectorToString(rollout.labelSelector ?? {});
    const requirements = parseLabelSelector(selector);
    matched = nodes.list().filter((n) => matchesLabelSelector(requirements, n.metadata.labels));
  } catch (err: unknown) {
    return { ok: false, reason: `${path}labelSelector: ${errorMessage(err)}` };
  }
  if (matched.length === 0) {
    return { ok: false, reason: `no nodes matched ${path}labelSelector "${selector}"` };
  }
  matched.sort((a, b) =>
    a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0,
  );
  return { ok: true, entries: matched.map((n) => entryFor(n.metadata.name, n)) };
}

function entryFor(name: string, node: Node | undefined): TaskEntry {
  const problem = whyNotRunnable(name, node);
  return problem === undefined
    ? { nodeName: name, phase: NodeTaskPhase.Pending }
    : { nodeName: name, phase: NodeTaskPhase.Failure, reason: problem };
}

function whyNotRunnable(name: string, node: Node | undefined): string | undefined {
  if (node === undefined) return `node ${name} does not exist`;
  if (!isEdgeNode(node)) {
    const value = node.metadata.labels?.[NodeLabels.edge];
    return value === undefined
      ? `node ${name} is not an edge node (missing label ${NodeLabels.edge})`
      : `node ${name} is not an edge node (label ${NodeLabels.edge} is "${value}", expected "")`;
  }
  if (isNodeReady(node)) return undefined;
  const ready = nodeReadyCondition(node);
  if (ready === undefined) return `node ${name} is not Ready: it has never reported its status`;
  const detail = [ready.reason, ready.message].filter((s) => s !== undefined && s !== '').join(': ');
  return `node ${name} is not Ready: ${detail || `Ready is ${ready.status}`}`;
}
