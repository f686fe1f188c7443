// Whether an edge node's Ready condition is stale: cloudcore refreshes
// lastHeartbeatTime while it holds the node's session and writes False when
// the session ends; a Ready=True whose heartbeat is older than the grace
// period means the holding cloudcore died without saying so. The condition
// then becomes Unknown, as the Kubernetes node lifecycle controller does.
import {
  isEdgeNode,
  NodeAnnotations,
  nodeReadyCondition,
  rfc3339,
  type Node,
  type NodeCondition,
} from '@kedge/api';

const NodeStatusUnknown = 'NodeStatusUnknown';
const NodeStatusNeverUpdated = 'NodeStatusNeverUpdated';

function parseTime(time: string | undefined): number | undefined {
  if (time === undefined) return undefined;
  const ms = Date.parse(time);
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * The Ready condition `node` should have now, or undefined when it is fine
 * as it is (not an edge node, fresh heartbeat, already False or Unknown).
 */
export function staleReadyCondition(
  node: Node,
  now: number,
  gracePeriodMs: number,
): NodeCondition | undefined {
  if (!isEdgeNode(node)) return undefined;
  const ready = nodeReadyCondition(node);
  const holder = node.metadata.annotations?.[NodeAnnotations.cloudcore];
  const from = holder !== undefined && holder !== '' ? `cloudcore ${holder}` : 'any cloudcore';
  const transition = rfc3339(new Date(now));
  if (ready === undefined) {
    const created = parseTime(node.metadata.creationTimestamp);
    if (created === undefined || now - created <= gracePeriodMs) return undefined;
    return {
      type: 'Ready',
      status: 'Unknown',
      reason: NodeStatusNeverUpdated,
      message: `no heartbeat from ${from} since the node was created at ${node.metadata.creationTimestamp}`,
      lastTransitionTime: transition,
    };
  }
  if (ready.status !== 'True') return undefined;
  const beat = parseTime(ready.lastHeartbeatTime) ?? parseTime(ready.lastTransitionTime);
  if (beat !== undefined && now - beat <= gracePeriodMs) return undefined;
  const since = ready.lastHeartbeatTime ?? ready.lastTransitionTime ?? 'ever';
  return {
    ...ready,
    status: 'Unknown',
    reason: NodeStatusUnknown,
    message: `no heartbeat from ${from} since ${since}`,
    lastTransitionTime: transition,
  };
}

/** `node` with its Ready condition replaced by `ready`. */
export function withReady(node: Node, ready: NodeCondition): Node {
  const others = (node.status?.conditions ?? []).filter((c) => c.type !== 'Ready');
  return { ...node, status: { ...node.status, conditions: [...others, ready] } };
}
