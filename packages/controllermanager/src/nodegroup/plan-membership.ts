// Which nodes a NodeGroup selects and what its status says about them, as
// pure functions over the Node cache. Membership is the union of
// spec.nodes and spec.matchLabels; an empty or missing matchLabels selects
// nothing (upstream's empty selector selected every node in the cluster).
import {
  NodeGroupLabels,
  nodeReadyCondition,
  NodeReadyStatus,
  SelectionStatus,
  type Node,
  type NodeGroup,
  type NodeGroupMemberStatus,
} from '@kedge/api';

/** Why a listed node that is not in the cache is not a member (upstream's wording). */
const NODE_MISSING_REASON = 'node does not exist';

/** Kubernetes label values: at most 63 characters, alphanumeric at both ends. */
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

export function selectsNode(group: NodeGroup, node: Node): boolean {
  if ((group.spec.nodes ?? []).includes(node.metadata.name)) return true;
  const match = Object.entries(group.spec.matchLabels ?? {});
  if (match.length === 0) return false;
  const labels = node.metadata.labels ?? {};
  return match.every(([k, v]) => labels[k] === v);
}

export interface Membership {
  /** Nodes the spec selects, by name. */
  selected: Node[];
  /** Names in spec.nodes with no Node. */
  missing: string[];
  /** Nodes labelled for this group that the spec no longer selects. */
  released: Node[];
}

export function planMembership(group: NodeGroup, nodes: Node[]): Membership {
  const name = group.metadata.name;
  const selected = nodes.filter((n) => selectsNode(group, n));
  const known = new Set(nodes.map((n) => n.metadata.name));
  const missing = [...new Set(group.spec.nodes ?? [])].filter((n) => !known.has(n));
  const chosen = new Set(selected.map((n) => n.metadata.name));
  const released = nodes.filter(
    (n) => n.metadata.labels?.[NodeGroupLabels.belongingTo] === name && !chosen.has(n.metadata.name),
  );
  return { selected, missing, released };
}

export function readyStatusOf(node: Node): NodeReadyStatus {
  switch (nodeReadyCondition(node)?.status) {
    case 'True':
      return NodeReadyStatus.Ready;
    case 'False':
      return NodeReadyStatus.NotReady;
    case 'Unknown':
    case undefined:
      return NodeReadyStatus.Unknown;
  }
}

/** Why the group cannot label any node, or undefined when its name is a valid label value. */
export function unlabelableReason(groupName: string): string | undefined {
  if (groupName.length <= 63 && LABEL_VALUE.test(groupName)) return undefined;
  return `group name ${groupName} is not a valid label value (at most 63 characters)`;
}

export function memberStatus(node: Node, failure?: string): NodeGroupMemberStatus {
  return {
    nodeName: node.metadata.name,
    readyStatus: readyStatusOf(node),
    selectionStatus: failure === undefined ? SelectionStatus.Succeeded : SelectionStatus.Failed,
    ...(failure === undefined ? {} : { selectionStatusReason: failure }),
  };
}

export function missingStatus(nodeName: string): NodeGroupMemberStatus {
  return {
    nodeName,
    readyStatus: NodeReadyStatus.Unknown,
    selectionStatus: SelectionStatus.Failed,
    selectionStatusReason: NODE_MISSING_REASON,
  };
}

/** Sorted by node name, as upstream writes them. */
export function sortStatuses(statuses: NodeGroupMemberStatus[]): NodeGroupMemberStatus[] {
  return statuses.sort((a, b) => (a.nodeName < b.nodeName ? -1 : a.nodeName > b.nodeName ? 1 : 0));
}

/** The labels a member carries: belonging-to, and the zone when topology is on. */
export function memberLabels(
  labels: Record<string, string>,
  group: string,
  topologyEnabled: boolean,
): Record<string, string> {
  const next: Record<string, string> = { ...labels, [NodeGroupLabels.belongingTo]: group };
  if (topologyEnabled) next[NodeGroupLabels.topologyZone] = group;
  else if (labels[NodeGroupLabels.topologyZone] === group) delete next[NodeGroupLabels.topologyZone];
  return next;
}

/** The labels of a node leaving `group`: both group labels gone (a zone set by someone else stays). */
export function releasedLabels(labels: Record<string, string>, group: string): Record<string, string> {
  const next = { ...labels };
  delete next[NodeGroupLabels.belongingTo];
  if (next[NodeGroupLabels.topologyZone] === group) delete next[NodeGroupLabels.topologyZone];
  return next;
}
