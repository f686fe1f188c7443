// The Deployment planner (pure): from a Deployment, its ReplicaSets and
// their pods, the next step of the rollout: create the ReplicaSet of the
// current template, or scale ReplicaSets, one move at a time, so that pods
// never exceed replicas + maxSurge and available pods never drop below
// replicas - maxUnavailable through anything this controller does.
import { WorkloadAnnotations, WorkloadLabels, type Deployment, type ReplicaSet } from '@kedge/api';
import { desiredReplicas, rolloutBounds, type RolloutBounds } from './rollout-math.ts';
import { podCount, type ReplicaSetView, type WorkloadView } from './workload-view.ts';

interface ScaleStep {
  name: string;
  replicas: number;
}

export interface RolloutStep {
  /** A new ReplicaSet for the current template (with its first replicas). */
  create?: ReplicaSet;
  scale: ScaleStep[];
}

const NOTHING: RolloutStep = { scale: [] };

export function planRollout(d: Deployment, view: WorkloadView): RolloutStep {
  if (d.spec.paused === true) return NOTHING;
  if (d.spec.strategy?.type === 'Recreate') return planRecreate(d, view);
  const bounds = rolloutBounds(d);
  const newStep = scaleNew(d, view, bounds);
  if (newStep.create || newStep.scale.length > 0) return newStep;
  return { scale: scaleDownOld(view, bounds) };
}

function scaleNew(d: Deployment, view: WorkloadView, b: RolloutBounds): RolloutStep {
  const current = view.newRS?.spec ?? 0;
  if (current > b.replicas) return { scale: [{ name: view.newRS!.name, replicas: b.replicas }] };
  const all = [...view.old, ...(view.newRS ? [view.newRS] : [])].reduce((n, v) => n + podCount(v), 0);
  const room = Math.max(0, b.replicas + b.maxSurge - all);
  const next = Math.min(current + room, b.replicas);
  if (!view.newRS) return { create: newReplicaSet(d, view, next), scale: [] };
  return next > current ? { scale: [{ name: view.newRS.name, replicas: next }] } : NOTHING;
}

/** Old ReplicaSets shrink: first their unavailable pods, then available ones down to the minimum. */
function scaleDownOld(view: WorkloadView, b: RolloutBounds): ScaleStep[] {
  const old = view.old.filter((v) => v.spec > 0 || v.active > 0);
  if (old.length === 0) return [];
  const all = [...view.old, ...(view.newRS ? [view.newRS] : [])];
  const minAvailable = b.replicas - b.maxUnavailable;
  const newUnavailable = view.newRS ? Math.max(0, view.newRS.spec - view.newRS.available) : 0;
  const total = all.reduce((n, v) => n + podCount(v), 0);
  const maxScaledDown = total - minAvailable - newUnavailable;
  if (maxScaledDown <= 0) return [];
  const target = new Map(old.map((v) => [v.name, v.spec]));
  let scaled = 0;
  for (const v of old) {
    const unhealthy = v.spec - staying(v);
    const down = Math.min(maxScaledDown - scaled, unhealthy);
    if (down <= 0) continue;
    target.set(v.name, v.spec - down);
    scaled += down;
  }
  let spare = all.reduce((n, v) => n + staying(v), 0) - minAvailable;
  for (const v of old) {
    if (spare <= 0 || scaled >= maxScaledDown) break;
    const now = target.get(v.name) ?? 0;
    const down = Math.min(now, staying(v), spare, maxScaledDown - scaled);
    if (down <= 0) continue;
    target.set(v.name, now - down);
    spare -= down;
    scaled += down;
  }
  return old
    .filter((v) => target.get(v.name) !== v.spec)
    .map((v) => ({ name: v.name, replicas: target.get(v.name)! }));
}

/**
 * Available pods that stay: a ReplicaSet with more pods than spec.replicas
 * (scaled down, its controller not done yet) deletes the surplus, possibly
 * available ones, so they must not be counted on again.
 */
function staying(v: ReplicaSetView): number {
  return Math.min(v.available, v.spec);
}

function planRecreate(d: Deployment, view: WorkloadView): RolloutStep {
  const running = view.old.filter((v) => v.spec > 0);
  if (running.length > 0) return { scale: running.map((v) => ({ name: v.name, replicas: 0 })) };
  if (view.old.some((v) => v.active > 0)) return NOTHING;
  const replicas = desiredReplicas(d);
  if (!view.newRS) return { create: newReplicaSet(d, view, replicas), scale: [] };
  return view.newRS.spec === replicas ? NOTHING : { scale: [{ name: view.newRS.name, replicas }] };
}

/** The ReplicaSet of the Deployment's current template, owned by it. */
function newReplicaSet(d: Deployment, view: WorkloadView, replicas: number): ReplicaSet {
  const revision = Math.max(0, ...view.old.map((v: ReplicaSetView) => v.revision)) + 1;
  const labels = { ...d.spec.template.metadata?.labels, [WorkloadLabels.podTemplateHash]: view.hash };
  const b = d.spec.strategy?.type === 'Recreate' ? undefined : rolloutBounds(d);
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: `${d.metadata.name}-${view.hash}`,
      ...(d.metadata.namespace ? { namespace: d.metadata.namespace } : {}),
      labels,
      annotations: {
        [WorkloadAnnotations.revision]: String(revision),
        [WorkloadAnnotations.desiredReplicas]: String(desiredReplicas(d)),
        [WorkloadAnnotations.maxReplicas]: String(desiredReplicas(d) + (b?.maxSurge ?? 0)),
      },
      ownerReferences: [
        {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          name: d.metadata.name,
          uid: d.metadata.uid ?? '',
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: {
      replicas,
      ...(d.spec.minReadySeconds !== undefined ? { minReadySeconds: d.spec.minReadySeconds } : {}),
      selector: {
        ...d.spec.selector,
        matchLabels: { ...d.spec.selector.matchLabels, [WorkloadLabels.podTemplateHash]: view.hash },
      },
      template: { ...d.spec.template, metadata: { ...d.spec.template.metadata, labels } },
    },
  };
}
