// A pod's status as kubelet writes it, from what edged observed: each
// container's current and previous runtime container, the reason it is
// waiting (image pull, back-off, config error), its probe results; the pod IP,
// the node IP, the start time. Pure: the same observation and previous status
// give the same status, and a condition keeps its lastTransitionTime while its
// status stays the same, so a status that did not change compares equal.
import type { PodContainerStatus } from './runtime/index.ts';
import {
  kubeTime,
  type ContainerState,
  type ContainerStatus,
  type EdgePod,
  type PodCondition,
  type PodStatus,
} from './pod-spec.ts';

export interface ContainerObservation {
  name: string;
  /** The container's newest runtime container. */
  current?: PodContainerStatus;
  /** The one before it (exited), kept for lastState. */
  previous?: PodContainerStatus;
  /** Why it is not running, when edged knows (ErrImagePull, CrashLoopBackOff, CreateContainerConfigError...). */
  waiting?: { reason: string; message?: string };
  ready: boolean;
  started: boolean;
}

export interface PodObservation {
  pod: EdgePod;
  /** In the order of `spec.containers`. */
  containers: ContainerObservation[];
  podIP?: string;
  hostIP?: string;
  startTime?: string;
  now: number;
  previous?: PodStatus;
  /**
   * The pod was deleted and edged stopped it (kubelet's terminal pod): every
   * container is terminated, one with no exited container as
   * ContainerStatusUnknown, and the phase is Succeeded or Failed.
   */
  terminal?: boolean;
}

const CONTAINER_CREATING = 'ContainerCreating';

function terminated(c: PodContainerStatus): ContainerState {
  return {
    terminated: {
      exitCode: c.exitCode ?? 0,
      ...(c.reason ? { reason: c.reason } : {}),
      ...(c.message ? { message: c.message } : {}),
      ...(c.startedAt ? { startedAt: kubeTime(Date.parse(c.startedAt)) } : {}),
      ...(c.finishedAt ? { finishedAt: kubeTime(Date.parse(c.finishedAt)) } : {}),
      containerID: `containerd://${c.id}`,
    },
  };
}

function stateOf(o: ContainerObservation): ContainerState {
  const c = o.current;
  if (o.waiting) return { waiting: { ...o.waiting } };
  if (c?.state === 'running') return { running: { startedAt: kubeTime(Date.parse(c.startedAt ?? '')) } };
  if (c?.state === 'exited') return terminated(c);
  return { waiting: { reason: CONTAINER_CREATING } };
}

/** A container of a terminal pod: its exit, or kubelet's ContainerStatusUnknown when it has none. */
function terminalStateOf(o: ContainerObservation): ContainerState {
  if (o.current?.state === 'exited') return terminated(o.current);
  return {
    terminated: {
      exitCode: 137,
      reason: 'ContainerStatusUnknown',
      message: 'The container could not be located when the pod was terminated',
    },
  };
}

function lastStateOf(o: ContainerObservation): ContainerState {
  // Waiting to run again: the container that exited is the last state.
  if (o.waiting && o.current?.state === 'exited') return terminated(o.current);
  return o.previous?.state === 'exited' ? terminated(o.previous) : {};
}

function containerStatusOf(o: ContainerObservation, specImage: string, terminal: boolean): ContainerStatus {
  const state = terminal ? terminalStateOf(o) : stateOf(o);
  const running = state.running !== undefined;
  return {
    name: o.name,
    state,
    lastState: lastStateOf(o),
    ready: running && o.ready,
    started: running && o.started,
    restartCount: o.current?.attempt ?? 0,
    image: specImage,
    imageID: o.current?.imageRef ?? '',
    ...(o.current ? { containerID: `containerd://${o.current.id}` } : {}),
  };
}

/** kubelet's getPhase for a pod without init containers; a terminal pod ends Succeeded or Failed. */
export function podPhase(pod: EdgePod, statuses: ContainerStatus[], terminal = false): PodStatus['phase'] {
  let running = 0;
  let waiting = 0;
  let stopped = 0;
  let succeeded = 0;
  for (const s of statuses) {
    if (s.state.running) running++;
    else if (s.state.terminated) {
      stopped++;
      if (s.state.terminated.exitCode === 0) succeeded++;
    } else if (s.lastState.terminated) stopped++;
    else waiting++;
  }
  if (waiting > 0) return 'Pending';
  if (running > 0) return 'Running';
  if (stopped === 0) return 'Pending';
  if (terminal) return stopped === succeeded ? 'Succeeded' : 'Failed';
  const policy = pod.spec.restartPolicy ?? 'Always';
  if (policy === 'Always') return 'Running';
  if (stopped === succeeded) return 'Succeeded';
  if (policy === 'Never') return 'Failed';
  return 'Running';
}

function condition(
  type: PodCondition['type'],
  ok: boolean,
  now: number,
  previous: PodStatus | undefined,
  reason?: string,
  message?: string,
): PodCondition {
  const status = ok ? 'True' : 'False';
  const before = previous?.conditions.find((c) => c.type === type);
  const lastTransitionTime = before && before.status === status ? before.lastTransitionTime : kubeTime(now);
  return {
    type,
    status,
    lastProbeTime: null,
    lastTransitionTime,
    ...(reason ? { reason } : {}),
    ...(message ? { message } : {}),
  };
}

export function buildPodStatus(o: PodObservation): PodStatus {
  const images = new Map(o.pod.spec.containers.map((c) => [c.name, c.image]));
  const terminal = o.terminal === true;
  const containerStatuses = o.containers.map((c) => containerStatusOf(c, images.get(c.name) ?? '', terminal));
  const phase = podPhase(o.pod, containerStatuses, terminal);
  const unready = containerStatuses.filter((s) => !s.ready).map((s) => s.name);
  const ready = unready.length === 0;
  const [reason, message] =
    phase === 'Succeeded'
      ? ['PodCompleted', undefined]
      : ready
        ? [undefined, undefined]
        : ['ContainersNotReady', `containers with unready status: [${unready.join(' ')}]`];
  const podReady = ready && phase !== 'Succeeded';
  const startTime = o.previous?.startTime ?? o.startTime;
  return {
    phase,
    // kubelet's order.
    conditions: [
      condition('Initialized', true, o.now, o.previous),
      condition('Ready', podReady, o.now, o.previous, reason, message),
      condition('ContainersReady', podReady, o.now, o.previous, reason, message),
      condition('PodScheduled', true, o.now, o.previous),
    ],
    ...(o.hostIP ? { hostIP: o.hostIP, hostIPs: [{ ip: o.hostIP }] } : {}),
    ...(o.podIP ? { podIP: o.podIP, podIPs: [{ ip: o.podIP }] } : {}),
    ...(startTime ? { startTime } : {}),
    containerStatuses,
  };
}
