export { CriClient, type CallOptions, type CriAuth } from './cri-client.ts';
export { authForImage, parseDockerConfig, type RegistryCredentials } from './docker-config.ts';
export { CriRuntimeService } from './runtime-service.ts';
export {
  CONTAINER_STATE,
  NAMESPACE_MODE,
  PROTOCOL,
  SANDBOX_STATE,
  type WireContainer,
  type WireContainerConfig,
  type WireContainerStatus,
  type WireLinuxResources,
  type WirePodSandboxConfig,
  type WirePortMapping,
} from './runtime-wire.ts';
