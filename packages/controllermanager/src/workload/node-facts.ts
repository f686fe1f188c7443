// What placement reads from a Node beyond the typed schema: taints
// (spec.taints) and allocatable resources (status.allocatable).
import {
  isEdgeNode,
  isNodeReady,
  nodeReadyCondition,
  parseQuantity,
  type Node,
  type Pod,
  type Toleration,
} from '@kedge/api';

export interface Taint {
  key: string;
  value?: string;
  effect: string;
  timeAdded?: string;
}

export const TaintEffect = {
  NoSchedule: 'NoSchedule',
  PreferNoSchedule: 'PreferNoSchedule',
  NoExecute: 'NoExecute',
} as const;

/** kubelet's default maxPods: the pod limit of a node that reports no allocatable. */
export const DEFAULT_MAX_PODS = 110;

export function taintsOf(node: Node): Taint[] {
  const raw = (node.spec as { taints?: unknown } | undefined)?.taints;
  if (!Array.isArray(raw)) return [];
  return raw.filter(
    (t): t is Taint =>
      typeof t === 'object' &&
      t !== null &&
      typeof (t as Taint).key === 'string' &&
      typeof (t as Taint).effect === 'string',
  );
}

/** status.allocatable in base units, or undefined when the node reports none. */
export function allocatableOf(node: Node): Map<string, number> | undefined {
  const raw = (node.status as { allocatable?: unknown } | undefined)?.allocatable;
  if (typeof raw !== 'object' || raw === null) return undefined;
  const out = new Map<string, number>();
  for (const [name, q] of Object.entries(raw as Record<string, unknown>)) {
    const v = typeof q === 'string' || typeof q === 'number' ? parseQuantity(q) : undefined;
    if (v !== undefined) out.set(name, v);
  }
  return out;
}

export function tolerates(toleration: Toleration, taint: Taint): boolean {
  if (toleration.effect && toleration.effect !== taint.effect) return false;
  if (toleration.operator === 'Exists')
    return toleration.key === undefined || toleration.key === '' || toleration.key === taint.key;
  return toleration.key === taint.key && (toleration.value ?? '') === (taint.value ?? '');
}

/** The first taint of `effect` no toleration of the pod tolerates. */
export function untoleratedTaint(pod: Pod, node: Node, effects: readonly string[]): Taint | undefined {
  const tolerations = pod.spec.tolerations ?? [];
  return taintsOf(node).find(
    (t) => effects.includes(t.effect) && !tolerations.some((tol) => tolerates(tol, t)),
  );
}

/** A node pods may be placed on: an edge node, Ready, not cordoned. */
export function schedulableReason(node: Node): string | undefined {
  if (!isEdgeNode(node)) return 'node(s) were not edge nodes';
  if (!isNodeReady(node)) return 'node(s) were not Ready';
  if (node.spec?.unschedulable === true) return 'node(s) were unschedulable';
  return undefined;
}

/** Requests of a pod (limits stand in for missing requests): max(sum of containers, any init container). */
export function podRequests(pod: Pod): Map<string, number> {
  const of = (c: Pod['spec']['containers'][number]): Map<string, number> => {
    const m = new Map<string, number>();
    const res = c.resources;
    for (const [k, q] of Object.entries({ ...res?.limits, ...res?.requests })) {
      m.set(k, parseQuantity(q) ?? 0);
    }
    return m;
  };
  const total = new Map<string, number>();
  for (const c of pod.spec.containers) for (const [k, v] of of(c)) total.set(k, (total.get(k) ?? 0) + v);
  for (const c of pod.spec.initContainers ?? []) {
    for (const [k, v] of of(c)) total.set(k, Math.max(total.get(k) ?? 0, v));
  }
  return total;
}

/**
 * What placement and eviction read from a node, as one string: equal strings
 * mean a change (a heartbeat) cannot matter to them.
 */
export function placementFacts(node: Node): string {
  const allocatable = (node.status as { allocatable?: unknown } | undefined)?.allocatable;
  return JSON.stringify([
    isEdgeNode(node),
    nodeReadyCondition(node)?.status,
    nodeReadyCondition(node)?.lastTransitionTime,
    node.spec?.unschedulable,
    node.metadata.labels,
    taintsOf(node),
    allocatable,
  ]);
}
