// Placement (pure), the single-machine stand-in for kube-scheduler: filter
// the nodes a pod may run on (Ready edge node, nodeSelector, required node
// affinity, NoSchedule/NoExecute taints, resource requests against
// allocatable), then pick the one with the fewest pods of the same owner,
// then the fewest pods. An unplaceable pod gets kube-scheduler's message.
import type { Node, NodeSelectorRequirement, Pod } from '@kedge/api';
import {
  allocatableOf,
  DEFAULT_MAX_PODS,
  podRequests,
  schedulableReason,
  TaintEffect,
  untoleratedTaint,
} from './node-facts.ts';
import { controllerOf } from './workload-view.ts';

export type PlacementDecision =
  | { readonly type: 'bind'; readonly nodeName: string }
  | { readonly type: 'unschedulable'; readonly message: string };

export const AFFINITY_MISMATCH = "node(s) didn't match Pod's node affinity/selector";

/**
 * `boundPods`: the active pods already on nodes (including ones this placer
 * bound that the cache has not shown yet).
 */
export function planPlacement(pod: Pod, nodes: Node[], boundPods: Pod[]): PlacementDecision {
  if (nodes.length === 0) return { type: 'unschedulable', message: 'no nodes available to schedule pods' };
  const onNode = new Map<string, Pod[]>();
  for (const p of boundPods) {
    const n = p.spec.nodeName;
    if (n && p.metadata.uid !== pod.metadata.uid) onNode.set(n, [...(onNode.get(n) ?? []), p]);
  }
  const reasons = new Map<string, number>();
  const fits: Node[] = [];
  for (const node of [...nodes].sort((a, b) => a.metadata.name.localeCompare(b.metadata.name))) {
    const why = unfitReasons(pod, node, onNode.get(node.metadata.name) ?? []);
    if (why.length === 0) fits.push(node);
    for (const r of why) reasons.set(r, (reasons.get(r) ?? 0) + 1);
  }
  if (fits.length === 0) {
    // byte order, as kube-scheduler sorts its reasons
    const parts = [...reasons].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([r, n]) => `${n} ${r}`);
    return { type: 'unschedulable', message: `0/${nodes.length} nodes are available: ${parts.join(', ')}.` };
  }
  const owner = controllerOf(pod)?.uid;
  const load = (n: Node): [number, number] => {
    const here = onNode.get(n.metadata.name) ?? [];
    return [owner ? here.filter((p) => controllerOf(p)?.uid === owner).length : 0, here.length];
  };
  fits.sort((a, b) => {
    const [sa, ta] = load(a);
    const [sb, tb] = load(b);
    return sa - sb || ta - tb || a.metadata.name.localeCompare(b.metadata.name);
  });
  return { type: 'bind', nodeName: fits[0]!.metadata.name };
}

/** Why the pod cannot go on the node (empty: it can). */
export function unfitReasons(pod: Pod, node: Node, podsOnNode: Pod[]): string[] {
  const notSchedulable = schedulableReason(node);
  if (notSchedulable) return [notSchedulable];
  if (!matchesNodeSelector(pod, node) || !matchesRequiredAffinity(pod, node)) return [AFFINITY_MISMATCH];
  const taint = untoleratedTaint(pod, node, [TaintEffect.NoSchedule, TaintEffect.NoExecute]);
  if (taint) return [`node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`];
  return insufficient(pod, node, podsOnNode);
}

/**
 * Resource fit. A node without status.allocatable (an edgecore that does not
 * report it) is not limited in cpu or memory, only to DEFAULT_MAX_PODS pods;
 * with allocatable, a requested resource it does not list counts as 0.
 */
function insufficient(pod: Pod, node: Node, podsOnNode: Pod[]): string[] {
  const alloc = allocatableOf(node);
  const out: string[] = [];
  if (podsOnNode.length + 1 > (alloc?.get('pods') ?? DEFAULT_MAX_PODS)) out.push('Too many pods');
  if (alloc === undefined) return out;
  const used = new Map<string, number>();
  for (const p of podsOnNode) for (const [k, v] of podRequests(p)) used.set(k, (used.get(k) ?? 0) + v);
  for (const [name, want] of [...podRequests(pod)].sort(([a], [b]) => a.localeCompare(b))) {
    if (want <= 0 || name === 'pods') continue;
    if (want > (alloc.get(name) ?? 0) - (used.get(name) ?? 0)) out.push(`Insufficient ${name}`);
  }
  return out;
}

function matchesNodeSelector(pod: Pod, node: Node): boolean {
  const labels = node.metadata.labels ?? {};
  return Object.entries(pod.spec.nodeSelector ?? {}).every(([k, v]) => labels[k] === v);
}

function matchesRequiredAffinity(pod: Pod, node: Node): boolean {
  const req = pod.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (!req) return true;
  const labels = node.metadata.labels ?? {};
  const fields = { 'metadata.name': node.metadata.name };
  return req.nodeSelectorTerms.some((term) => {
    const exprs = term.matchExpressions ?? [];
    const fieldExprs = term.matchFields ?? [];
    if (exprs.length === 0 && fieldExprs.length === 0) return false;
    return (
      exprs.every((e) => requirementHolds(e, labels)) && fieldExprs.every((e) => requirementHolds(e, fields))
    );
  });
}

export function requirementHolds(e: NodeSelectorRequirement, labels: Record<string, string>): boolean {
  const has = Object.hasOwn(labels, e.key);
  const value = labels[e.key] ?? '';
  const values = e.values ?? [];
  switch (e.operator) {
    case 'In':
      return has && values.includes(value);
    case 'NotIn':
      return !has || !values.includes(value);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    case 'Gt':
    case 'Lt': {
      const mine = Number(value);
      const bound = Number(values[0]);
      if (!has || values.length !== 1 || !Number.isInteger(mine) || !Number.isInteger(bound)) return false;
      return e.operator === 'Gt' ? mine > bound : mine < bound;
    }
  }
}
