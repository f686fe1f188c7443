// The numbers a rolling update keeps to, resolved as kube-controller-manager
// does: maxSurge percentages round up, maxUnavailable percentages round down,
// and when both come out 0 one pod may be unavailable (else nothing moves).
import type { Deployment, IntOrString, Pod } from '@kedge/api';
import { isPodReady, KedgeError, podCondition } from '@kedge/api';

const DEFAULT_BOUND = '25%';

export function resolveIntOrPercent(value: IntOrString, total: number, roundUp: boolean): number {
  if (typeof value === 'number') return value;
  const m = /^(\d+)%$/.exec(value);
  if (!m) {
    throw new KedgeError('KEDGE_RESOURCE_INVALID', `invalid int or percentage "${value}"`, {
      fields: [`${value}: must be an integer or a percentage`],
    });
  }
  const exact = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}

export interface RolloutBounds {
  replicas: number;
  maxSurge: number;
  maxUnavailable: number;
}

export function desiredReplicas(d: Deployment): number {
  return d.spec.replicas ?? 1;
}

/** maxSurge / maxUnavailable of a RollingUpdate Deployment in pods. */
export function rolloutBounds(d: Deployment): RolloutBounds {
  const replicas = desiredReplicas(d);
  const ru = d.spec.strategy?.rollingUpdate;
  const maxSurge = resolveIntOrPercent(ru?.maxSurge ?? DEFAULT_BOUND, replicas, true);
  let maxUnavailable = resolveIntOrPercent(ru?.maxUnavailable ?? DEFAULT_BOUND, replicas, false);
  if (maxSurge === 0 && maxUnavailable === 0) maxUnavailable = 1;
  return { replicas, maxSurge, maxUnavailable: Math.min(maxUnavailable, replicas) };
}

/** Pods that count at all: not terminal and not being deleted. */
export function isPodActive(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return pod.metadata.deletionTimestamp === undefined && phase !== 'Succeeded' && phase !== 'Failed';
}

/**
 * Ready for at least minReadySeconds at `now` (Kubernetes' "available"). When
 * ready but not yet long enough, `availableInMs` says when it will be.
 */
export function podAvailability(
  pod: Pod,
  minReadySeconds: number,
  now: number,
): { available: boolean; availableInMs?: number } {
  if (!isPodActive(pod) || !isPodReady(pod)) return { available: false };
  if (minReadySeconds <= 0) return { available: true };
  const since = Date.parse(podCondition(pod, 'Ready')?.lastTransitionTime ?? '');
  if (Number.isNaN(since)) return { available: true };
  const wait = since + minReadySeconds * 1000 - now;
  return wait <= 0 ? { available: true } : { available: false, availableInMs: wait };
}
