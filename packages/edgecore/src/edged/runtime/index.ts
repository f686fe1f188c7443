export { type ContainerMountSpec, type ContainerResourcesSpec } from './container-config.ts';
export { type PodContainerStatus, type PodContainerSummary } from './container-status.ts';
export { CNI_BIN_DIR, writePodNetworkConfig } from './pod-network-config.ts';
export { POD_ANNOTATIONS } from './pod-identity.ts';
export { PodRuntime, type RuntimePod } from './pod-runtime.ts';
export { type PodPort, type PodSandboxSpec } from './sandbox-config.ts';
