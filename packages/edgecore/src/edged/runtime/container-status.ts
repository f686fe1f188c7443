// A CRI ContainerStatus in the terms a kubelet-style pod status builder uses:
// state created / running / exited / unknown, exit code, reason and message,
// RFC 3339 times, the restart attempt, image and imageRef, the log file, and
// which kedge pod it belongs to.
import { CONTAINER_STATE, type WireContainer, type WireContainerStatus } from '../../cri/index.ts';
import { POD_ANNOTATIONS, POD_LABELS, podOfLabels, type PodIdentity } from './pod-identity.ts';

const CONTAINER_PHASE = {
  created: 'created',
  running: 'running',
  exited: 'exited',
  unknown: 'unknown',
} as const;
type ContainerPhase = (typeof CONTAINER_PHASE)[keyof typeof CONTAINER_PHASE];

export interface PodContainerStatus {
  id: string;
  /** The container's name in the pod. */
  name: string;
  state: ContainerPhase;
  /** Set once exited. */
  exitCode?: number;
  /** The runtime's CamelCase reason (`Completed`, `Error`, `OOMKilled`), empty while running. */
  reason: string;
  message: string;
  createdAt?: string;
  startedAt?: string;
  finishedAt?: string;
  /** Restart count of this container in its sandbox. */
  attempt: number;
  /** The image as asked for. */
  image: string;
  /** The runtime's reference to the image it runs (digest or id). */
  imageRef: string;
  /** Absolute path of the container's log file, when it has one. */
  logPath: string;
  pod?: PodIdentity;
  /** cgroup memory limit the runtime applied, bytes (0: none). */
  memoryLimitBytes: number;
  /** Hash of the container spec it was created from; absent on containers created before kedge kept it. */
  specHash?: string;
}

/** A summary from ListContainers: enough to pick a container before asking for its full status. */
export interface PodContainerSummary {
  id: string;
  sandboxId: string;
  name: string;
  attempt: number;
  state: ContainerPhase;
  image: string;
  imageRef: string;
  pod?: PodIdentity;
}

function containerPhase(state: number): ContainerPhase {
  switch (state) {
    case CONTAINER_STATE.created:
      return CONTAINER_PHASE.created;
    case CONTAINER_STATE.running:
      return CONTAINER_PHASE.running;
    case CONTAINER_STATE.exited:
      return CONTAINER_PHASE.exited;
    default:
      return CONTAINER_PHASE.unknown;
  }
}

/** Nanoseconds since the epoch (a decimal string on the wire; 0: not set) as RFC 3339, or undefined. */
export function nanosToIso(nanos: string | number | undefined): string | undefined {
  if (nanos === undefined) return undefined;
  const ns = BigInt(nanos);
  if (ns <= 0n) return undefined;
  return new Date(Number(ns / 1_000_000n)).toISOString();
}

export function toContainerStatus(s: WireContainerStatus): PodContainerStatus {
  const state = containerPhase(s.state);
  const memory = Number(s.resources?.linux?.memoryLimitInBytes ?? 0);
  const pod = podOfLabels(s.labels ?? {}, s.annotations ?? {});
  const createdAt = nanosToIso(s.createdAt);
  const startedAt = nanosToIso(s.startedAt);
  const finishedAt = nanosToIso(s.finishedAt);
  return {
    id: s.id,
    name: s.metadata?.name ?? s.labels?.[POD_LABELS.container] ?? '',
    state,
    ...(state === CONTAINER_PHASE.exited ? { exitCode: s.exitCode } : {}),
    reason: s.reason ?? '',
    message: s.message ?? '',
    ...(createdAt ? { createdAt } : {}),
    ...(startedAt ? { startedAt } : {}),
    ...(finishedAt ? { finishedAt } : {}),
    attempt: s.metadata?.attempt ?? 0,
    image: s.image?.image ?? '',
    imageRef: s.imageRef ?? '',
    logPath: s.logPath ?? '',
    ...(pod ? { pod } : {}),
    memoryLimitBytes: Number.isFinite(memory) ? memory : 0,
    ...(s.annotations?.[POD_ANNOTATIONS.containerHash]
      ? { specHash: s.annotations[POD_ANNOTATIONS.containerHash] }
      : {}),
  };
}

export function toContainerSummary(c: WireContainer): PodContainerSummary {
  const pod = podOfLabels(c.labels ?? {}, c.annotations ?? {});
  return {
    id: c.id,
    sandboxId: c.podSandboxId,
    name: c.metadata?.name ?? c.labels?.[POD_LABELS.container] ?? '',
    attempt: c.metadata?.attempt ?? 0,
    state: containerPhase(c.state),
    image: c.image?.image ?? '',
    imageRef: c.imageRef ?? '',
    ...(pod ? { pod } : {}),
  };
}
