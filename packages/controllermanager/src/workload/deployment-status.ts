// Deployment status as kube-controller-manager reports it: counts over the
// pods of all its ReplicaSets, observedGeneration, and the Available and
// Progressing conditions. Times move only when a condition changes.
import { rfc3339, type Deployment, type DeploymentCondition, type DeploymentStatus } from '@kedge/api';
import { desiredReplicas, rolloutBounds } from './rollout-math.ts';
import type { WorkloadView } from './workload-view.ts';

export function deploymentStatus(d: Deployment, view: WorkloadView, now: number): DeploymentStatus {
  const all = [...view.old, ...(view.newRS ? [view.newRS] : [])];
  const sum = (f: (v: (typeof all)[number]) => number): number => all.reduce((n, v) => n + f(v), 0);
  const replicas = desiredReplicas(d);
  const available = sum((v) => v.available);
  const updated = view.newRS?.active ?? 0;
  const total = sum((v) => v.active);
  const maxUnavailable = d.spec.strategy?.type === 'Recreate' ? 0 : rolloutBounds(d).maxUnavailable;
  const previous = d.status?.conditions ?? [];
  const rsName = view.newRS?.name ?? `${d.metadata.name}-${view.hash}`;
  const complete = updated === replicas && available === replicas && total === replicas;
  const conditions = [
    available >= replicas - maxUnavailable
      ? cond('Available', 'True', 'MinimumReplicasAvailable', 'Deployment has minimum availability.')
      : cond(
          'Available',
          'False',
          'MinimumReplicasUnavailable',
          'Deployment does not have minimum availability.',
        ),
    d.spec.paused === true
      ? cond('Progressing', 'Unknown', 'DeploymentPaused', 'Deployment is paused')
      : complete
        ? cond(
            'Progressing',
            'True',
            'NewReplicaSetAvailable',
            `ReplicaSet "${rsName}" has successfully progressed.`,
          )
        : cond('Progressing', 'True', 'ReplicaSetUpdated', `ReplicaSet "${rsName}" is progressing.`),
  ].map((c) => withTimes(c, previous, rfc3339(new Date(now))));
  return {
    ...d.status,
    observedGeneration: d.metadata.generation ?? 0,
    replicas: total,
    updatedReplicas: updated,
    readyReplicas: sum((v) => v.ready),
    availableReplicas: available,
    unavailableReplicas: Math.max(0, replicas - available),
    conditions,
  };
}

function cond(
  type: string,
  status: 'True' | 'False' | 'Unknown',
  reason: string,
  message: string,
): DeploymentCondition {
  return { type, status, reason, message };
}

function withTimes(
  c: DeploymentCondition,
  previous: DeploymentCondition[],
  now: string,
): DeploymentCondition {
  const before = previous.find((p) => p.type === c.type);
  const same = before?.status === c.status;
  const unchanged = same && before?.reason === c.reason && before?.message === c.message;
  return {
    ...c,
    lastUpdateTime: unchanged ? (before?.lastUpdateTime ?? now) : now,
    lastTransitionTime: same ? (before?.lastTransitionTime ?? now) : now,
  };
}
