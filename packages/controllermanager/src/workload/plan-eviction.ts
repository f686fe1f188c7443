// Rescheduling (pure), the stand-in for the node lifecycle controller's
// taint-based eviction: a pod bound to a node that is gone, NotReady (or
// Unknown) for longer than its not-ready toleration, or carrying a NoExecute
// taint the pod does not tolerate, is deleted so that its ReplicaSet
// replaces it on a healthy node.
import { nodeReadyCondition, type Node, type Pod } from '@kedge/api';
import { TaintEffect, taintsOf, tolerates } from './node-facts.ts';
import { isPodActive } from './rollout-math.ts';

interface Eviction {
  pod: Pod;
  reason: string;
}

export interface EvictionPlan {
  evict: Eviction[];
  /** Earliest time (ms from now) another pod becomes due. */
  nextCheckInMs?: number;
}

const NOT_READY_TAINT = 'node.kubernetes.io/not-ready';
const UNREACHABLE_TAINT = 'node.kubernetes.io/unreachable';

/** How long a pod bound to a node never seen may wait for it (kube-controller-manager's pod GC quarantine). */
const MISSING_NODE_GRACE_MS = 40_000;

/** `deletedNodes`: nodes seen and then deleted (their pods go at once; others wait MISSING_NODE_GRACE_MS). */
export function planEviction(
  pods: Pod[],
  nodes: Node[],
  now: number,
  notReadyGraceMs: number,
  deletedNodes: ReadonlySet<string> = new Set(),
): EvictionPlan {
  const byName = new Map(nodes.map((n) => [n.metadata.name, n]));
  const evict: Eviction[] = [];
  let next: number | undefined;
  const due = (deadline: number, pod: Pod, reason: string): void => {
    if (deadline <= now) evict.push({ pod, reason });
    else next = Math.min(next ?? Infinity, deadline - now);
  };
  for (const pod of pods) {
    const nodeName = pod.spec.nodeName;
    if (!nodeName || !isPodActive(pod)) continue;
    const node = byName.get(nodeName);
    if (!node && deletedNodes.has(nodeName)) {
      evict.push({ pod, reason: `node ${nodeName} was deleted` });
      continue;
    }
    if (!node) {
      const created = Date.parse(pod.metadata.creationTimestamp ?? '') || now - MISSING_NODE_GRACE_MS;
      due(created + MISSING_NODE_GRACE_MS, pod, `node ${nodeName} does not exist`);
      continue;
    }
    const ready = nodeReadyCondition(node);
    if (ready !== undefined && ready.status !== 'True') {
      const taintKey = ready.status === 'False' ? NOT_READY_TAINT : UNREACHABLE_TAINT;
      const since = Date.parse(ready.lastTransitionTime ?? '') || now;
      const grace = tolerationMs(pod, { key: taintKey, effect: TaintEffect.NoExecute }, notReadyGraceMs);
      if (grace !== undefined) {
        due(
          since + grace,
          pod,
          `node ${nodeName} is ${ready.status === 'False' ? 'NotReady' : 'Unknown'} for longer than ${Math.round(grace / 1000)} s`,
        );
        continue;
      }
    }
    for (const taint of taintsOf(node).filter((t) => t.effect === TaintEffect.NoExecute)) {
      const grace = tolerationMs(pod, taint, 0);
      if (grace === undefined) continue;
      const added = Date.parse(taint.timeAdded ?? '') || now - grace;
      due(added + grace, pod, `node ${nodeName} has NoExecute taint ${taint.key}`);
      break;
    }
  }
  return { evict, ...(next !== undefined ? { nextCheckInMs: next } : {}) };
}

/**
 * How long the pod stays on a node with the taint: `untolerated` when no
 * toleration matches, the toleration's seconds, or undefined for ever.
 */
function tolerationMs(
  pod: Pod,
  taint: { key: string; effect: string; value?: string },
  untolerated: number,
): number | undefined {
  const match = (pod.spec.tolerations ?? []).find((t) => tolerates(t, taint));
  if (!match) return untolerated;
  return match.tolerationSeconds === undefined ? undefined : Math.max(0, match.tolerationSeconds) * 1000;
}
