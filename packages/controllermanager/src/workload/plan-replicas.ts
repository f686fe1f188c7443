// The ReplicaSet planner (pure): how many pods to create, and which to delete
// first when there are too many (kube-controller-manager's order: unbound
// before bound, pending before running, not ready before ready, the most
// recently ready and the newest first), plus the ReplicaSet's status.
import { isPodReady, podCondition, type Pod, type ReplicaSet, type ReplicaSetStatus } from '@kedge/api';
import { isPodActive, podAvailability } from './rollout-math.ts';
import { controllerOf } from './workload-view.ts';

export interface ReplicasStep {
  create: number;
  /** Names of pods to delete, in order. */
  delete: string[];
  status: ReplicaSetStatus;
}

/** The pods a ReplicaSet controls, active ones only. */
function ownedActivePods(rs: ReplicaSet, pods: Pod[]): Pod[] {
  return pods.filter((p) => controllerOf(p)?.uid === rs.metadata.uid && isPodActive(p));
}

/**
 * Pods created or deleted by one reconcile at most (kube-controller-manager's
 * burstReplicas): a ReplicaSet of thousands gets them in batches, each
 * batch observed in the cache before the next (expectations).
 */
export const BURST_REPLICAS = 500;

export function planReplicas(rs: ReplicaSet, pods: Pod[], now: number): ReplicasStep {
  const own = ownedActivePods(rs, pods);
  const want = rs.spec.replicas ?? 1;
  const extra = own.length - want;
  const minReady = rs.spec.minReadySeconds ?? 0;
  const status: ReplicaSetStatus = {
    ...rs.status,
    replicas: own.length,
    fullyLabeledReplicas: own.length,
    readyReplicas: own.filter(isPodReady).length,
    availableReplicas: own.filter((p) => podAvailability(p, minReady, now).available).length,
    observedGeneration: rs.metadata.generation ?? 0,
  };
  if (extra <= 0) return { create: Math.min(-extra, BURST_REPLICAS), delete: [], status };
  const order = [...own].sort(deleteFirst);
  const gone = order.slice(0, Math.min(extra, BURST_REPLICAS)).map((p) => p.metadata.name);
  return { create: 0, delete: gone, status };
}

const PHASE_RANK: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

function deleteFirst(a: Pod, b: Pod): number {
  const bound = (p: Pod): number => (p.spec.nodeName ? 1 : 0);
  const phase = (p: Pod): number => PHASE_RANK[p.status?.phase ?? 'Pending'] ?? 0;
  const ready = (p: Pod): number => (isPodReady(p) ? 1 : 0);
  const readySince = (p: Pod): string => podCondition(p, 'Ready')?.lastTransitionTime ?? '';
  const created = (p: Pod): string => p.metadata.creationTimestamp ?? '';
  return (
    bound(a) - bound(b) ||
    phase(a) - phase(b) ||
    ready(a) - ready(b) ||
    readySince(b).localeCompare(readySince(a)) ||
    created(b).localeCompare(created(a)) ||
    a.metadata.name.localeCompare(b.metadata.name)
  );
}

const SUFFIX_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** The longest name prefix before the random suffix (Kubernetes' generateName rule: 63 - 5). */
const MAX_PREFIX = 58;

/**
 * A pod of the ReplicaSet's template: `<rs>-<5 random chars>`, the prefix cut
 * to 58 characters as Kubernetes' generateName does, owned by it.
 */
export function podForReplicaSet(rs: ReplicaSet, random: () => number = Math.random): Pod {
  const suffix = Array.from(
    { length: 5 },
    () => SUFFIX_ALPHABET[Math.floor(random() * SUFFIX_ALPHABET.length)],
  ).join('');
  const t = rs.spec.template;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `${`${rs.metadata.name}-`.slice(0, MAX_PREFIX)}${suffix}`,
      ...(rs.metadata.namespace ? { namespace: rs.metadata.namespace } : {}),
      labels: { ...t.metadata?.labels },
      ...(t.metadata?.annotations ? { annotations: { ...t.metadata.annotations } } : {}),
      ownerReferences: [
        {
          apiVersion: 'apps/v1',
          kind: 'ReplicaSet',
          name: rs.metadata.name,
          uid: rs.metadata.uid ?? '',
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: structuredClone(t.spec),
  };
}
