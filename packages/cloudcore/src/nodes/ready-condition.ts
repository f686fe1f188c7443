// The Node's Ready condition, written the way the kubelet does: the
// transition time moves only when the status changes.
import { rfc3339, type Node, type NodeCondition } from '@kedge/api';

export function withReadyCondition(
  node: Node,
  status: 'True' | 'False' | 'Unknown',
  reason: string,
  message: string,
  now: Date,
): Node {
  const conditions = node.status?.conditions ?? [];
  const previous = conditions.find((c) => c.type === 'Ready');
  const time = rfc3339(now);
  const ready: NodeCondition = {
    type: 'Ready',
    status,
    reason,
    message,
    lastHeartbeatTime: time,
    lastTransitionTime: previous && previous.status === status ? (previous.lastTransitionTime ?? time) : time,
  };
  return {
    ...node,
    status: { ...node.status, conditions: [...conditions.filter((c) => c.type !== 'Ready'), ready] },
  };
}
