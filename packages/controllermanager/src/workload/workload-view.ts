// What the rollout planner needs to know about a Deployment's ReplicaSets:
// which one runs the current template, and per ReplicaSet how many of its
// pods exist, are ready and are available (from the pods themselves, not
// from a status that may lag).
import {
  isPodReady,
  WorkloadAnnotations,
  WorkloadLabels,
  type Deployment,
  type Pod,
  type ReplicaSet,
} from '@kedge/api';
import { isPodActive, podAvailability } from './rollout-math.ts';
import { podTemplateHash } from './template-hash.ts';

export interface ReplicaSetView {
  rs: ReplicaSet;
  name: string;
  /** spec.replicas. */
  spec: number;
  active: number;
  ready: number;
  available: number;
  revision: number;
}

export interface WorkloadView {
  hash: string;
  newRS?: ReplicaSetView;
  /** Oldest revision first. */
  old: ReplicaSetView[];
  /** Earliest time (ms from now) a ready pod becomes available. */
  availableInMs?: number;
}

/** The controller owner of an object (its ownerReference with controller: true). */
export function controllerOf(obj: {
  metadata: { ownerReferences?: { uid: string; kind: string; name: string; controller?: boolean }[] };
}): { uid: string; kind: string; name: string } | undefined {
  return obj.metadata.ownerReferences?.find((r) => r.controller === true);
}

function revisionOf(rs: ReplicaSet): number {
  const n = Number(rs.metadata.annotations?.[WorkloadAnnotations.revision] ?? '0');
  return Number.isInteger(n) ? n : 0;
}

export function viewWorkload(
  d: Deployment,
  replicaSets: ReplicaSet[],
  pods: Pod[],
  now: number,
): WorkloadView {
  const hash = podTemplateHash(d.spec.template, d.status?.collisionCount ?? 0);
  const minReady = d.spec.minReadySeconds ?? 0;
  let availableInMs: number | undefined;
  const views = replicaSets.map((rs): ReplicaSetView => {
    const own = pods.filter((p) => controllerOf(p)?.uid === rs.metadata.uid && isPodActive(p));
    let available = 0;
    for (const p of own) {
      const a = podAvailability(p, minReady, now);
      if (a.available) available++;
      if (a.availableInMs !== undefined) availableInMs = Math.min(availableInMs ?? Infinity, a.availableInMs);
    }
    return {
      rs,
      name: rs.metadata.name,
      spec: rs.spec.replicas ?? 1,
      active: own.length,
      ready: own.filter(isPodReady).length,
      available,
      revision: revisionOf(rs),
    };
  });
  const newRS = views.find((v) => v.rs.metadata.labels?.[WorkloadLabels.podTemplateHash] === hash);
  const old = views
    .filter((v) => v !== newRS)
    .sort((a, b) => a.revision - b.revision || a.name.localeCompare(b.name));
  return {
    hash,
    old,
    ...(newRS ? { newRS } : {}),
    ...(availableInMs !== undefined ? { availableInMs } : {}),
  };
}

/** Pods counted against maxSurge: what the ReplicaSet wants or has, whichever is more. */
export function podCount(v: ReplicaSetView): number {
  return Math.max(v.spec, v.active);
}
