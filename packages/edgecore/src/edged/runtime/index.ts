export {
  CPU_PERIOD_US,
  containerConfig,
  linuxResources,
  type ContainerMountSpec,
  type ContainerResourcesSpec,
  type ContainerSpec,
} from './container-config.ts';
export {
  CONTAINER_PHASE,
  containerPhase,
  nanosToIso,
  toContainerStatus,
  toContainerSummary,
  type ContainerPhase,
  type PodContainerStatus,
  type PodContainerSummary,
} from './container-status.ts';
export {
  POD_ANNOTATIONS,
  POD_LABELS,
  checkPodIdentity,
  containerLabels,
  containerLogPath,
  managedSelector,
  podLogDirectory,
  podOfLabels,
  podSelector,
  type PodIdentity,
} from './pod-identity.ts';
export {
  CNI_BIN_DIR,
  POD_NETWORK_FILE,
  POD_NETWORK_NAME,
  parsePodCidr,
  podNetworkConflist,
  writePodNetworkConfig,
  type PodNetworkOptions,
} from './pod-network-config.ts';
export { PodRuntime, type PodRuntimeOptions, type PodSandboxState, type RuntimePod } from './pod-runtime.ts';
export { sandboxConfig, type PodPort, type PodSandboxSpec } from './sandbox-config.ts';
