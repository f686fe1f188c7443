export * from './runtime/index.ts';
export {
  ContainerLauncher,
  cpuMillis,
  memoryBytes,
  type ContainerLauncherOptions,
  type LaunchResult,
} from './container-launcher.ts';
export {
  ContainerConfigError,
  CREATE_CONTAINER_CONFIG_ERROR,
  EnvResolver,
  type PodRuntimeFacts,
} from './env-resolver.ts';
export { IMAGE_REASON, ImagePuller, pullPolicy, type ImagePullerOptions } from './image-puller.ts';
export {
  buildPodStatus,
  podPhase,
  type ContainerObservation,
  type PodObservation,
} from './pod-status-builder.ts';
export type {
  ContainerState,
  ContainerStatus,
  EdgeObjectLookup,
  EdgePod,
  PodCondition,
  PodStatus,
} from './pod-spec.ts';
export { PodVolumes, type PodVolumesOptions } from './pod-volumes.ts';
export { POD_WORKER_STATE, PodWorker, type PodWorkerOptions, type PodWorkerState } from './pod-worker.ts';
export { ProbeExecutor, tcpDialer, type Dialer, type ProbeOutcome } from './probe-executors.ts';
export { RESTART_POLICY, RestartBackOff, shouldRestart, type RestartPolicy } from './restart-backoff.ts';
export { StatusCoalescer, type StatusSink } from './status-coalescer.ts';
export { Edged, containerRuntimeVersion } from './edged.ts';
