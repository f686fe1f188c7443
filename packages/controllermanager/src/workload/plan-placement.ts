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
import { NodeLoad, type NodeUsage } from './node-load.ts';
import { controllerOf } from './workload-view.ts';

export type PlacementDecision =
  | { readonly type: 'bind'; readonly nodeName: string; readonly evaluated?: number }
  | { readonly type: 'unschedulable'; readonly message: string };

const AFFINITY_MISMATCH = "node(s) didn't match Pod's node affinity/selector";

/** Placement over `boundPods` (the active pods already on nodes); see placePod. */
export function planPlacement(pod: Pod, nodes: Node[], boundPods: Pod[]): PlacementDecision {
  const load = NodeLoad.fromPods(boundPods.filter((p) => p.metadata.uid !== pod.metadata.uid));
  return placePod(pod, nodes, (n) => load.usage(n));
}

/**
 * kube-scheduler's percentageOfNodesToScore: in a large cluster, stop after
 * this many feasible nodes (at least 100; all nodes below 100).
 */
export function feasibleNodesToFind(nodes: number): number {
  if (nodes < 100) return nodes;
  const percent = Math.max(5, 50 - Math.floor(nodes / 125));
  return Math.max(100, Math.floor((nodes * percent) / 100));
}

/**
 * Checks nodes in the given order starting at `start` (rotated by the caller
 * between pods, for fairness), stops after feasibleNodesToFind() fits, and
 * picks the fit with the fewest pods of the pod's owner, then the fewest
 * pods, then the name. `evaluated` says how many nodes were looked at when
 * that was fewer than all.
 */
export function placePod(
  pod: Pod,
  nodes: Node[],
  usageOf: (node: string) => NodeUsage,
  start = 0,
): PlacementDecision {
  if (nodes.length === 0) return { type: 'unschedulable', message: 'no nodes available to schedule pods' };
  const want = feasibleNodesToFind(nodes.length);
  const reasons = new Map<string, number>();
  const fits: Node[] = [];
  let evaluated = 0;
  for (; evaluated < nodes.length && fits.length < want; evaluated++) {
    const node = nodes[(start + evaluated) % nodes.length]!;
    const why = unfitReasons(pod, node, usageOf(node.metadata.name));
    if (why.length === 0) fits.push(node);
    for (const r of why) reasons.set(r, (reasons.get(r) ?? 0) + 1);
  }
  if (fits.length === 0) {
    // byte order, as kube-scheduler sorts its reasons
    const parts = [...reasons].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([r, n]) => `${n} ${r}`);
    return { type: 'unschedulable', message: `0/${nodes.length} nodes are available: ${parts.join(', ')}.` };
  }
  const owner = controllerOf(pod)?.uid;
  const score = (n: Node): [number, number] => {
    const u = usageOf(n.metadata.name);
    return [owner ? (u.byOwner.get(owner) ?? 0) : 0, u.pods];
  };
  const better = (a: Node, b: Node): boolean => {
    const [sa, ta] = score(a);
    const [sb, tb] = score(b);
    if (sa !== sb) return sa < sb;
    if (ta !== tb) return ta < tb;
    return a.metadata.name < b.metadata.name;
  };
  let best = fits[0]!;
  for (const n of fits) if (better(n, best)) best = n;
  return {
    type: 'bind',
    nodeName: best.metadata.name,
    ...(evaluated < nodes.length ? { evaluated } : {}),
  };
}

/** Why the pod cannot go on the node (empty: it can). */
function unfitReasons(pod: Pod, node: Node, usage: NodeUsage): string[] {
  const notSchedulable = schedulableReason(node);
  if (notSchedulable) return [notSchedulable];
  if (!matchesNodeSelector(pod, node) || !matchesRequiredAffinity(pod, node)) return [AFFINITY_MISMATCH];
  const taint = untoleratedTaint(pod, node, [TaintEffect.NoSchedule, TaintEffect.NoExecute]);
  if (taint) return [`node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`];
  return insufficient(pod, node, usage);
}

/**
 * Resource fit. A node without status.allocatable (an edgecore that does not
 * report it) is not limited in cpu or memory, only to DEFAULT_MAX_PODS pods;
 * with allocatable, a requested resource it does not list counts as 0.
 */
function insufficient(pod: Pod, node: Node, usage: NodeUsage): string[] {
  const alloc = allocatableOf(node);
  const out: string[] = [];
  if (usage.pods + 1 > (alloc?.get('pods') ?? DEFAULT_MAX_PODS)) out.push('Too many pods');
  if (alloc === undefined) return out;
  for (const [name, want] of [...podRequests(pod)].sort(([a], [b]) => a.localeCompare(b))) {
    if (want <= 0 || name === 'pods') continue;
    if (want > (alloc.get(name) ?? 0) - (usage.requests.get(name) ?? 0)) out.push(`Insufficient ${name}`);
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

function requirementHolds(e: NodeSelectorRequirement, labels: Record<string, string>): boolean {
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
