export {
  CriClient,
  type CallOptions,
  type CriAuth,
  type CriClientOptions,
  type CriImage,
  type PullOptions,
  type RuntimeMethod,
  type RuntimeVersion,
} from './cri-client.ts';
export { CRI_ENDPOINT_FIELD, parseCriEndpoint, type CriEndpoint } from './cri-endpoint.ts';
export {
  authForImage,
  parseDockerConfig,
  registryKey,
  registryOfImage,
  type RegistryCredentials,
} from './docker-config.ts';
export {
  CriRuntimeService,
  type ContainerStatusAnswer,
  type ExecSyncAnswer,
  type SandboxStatusAnswer,
} from './runtime-service.ts';
export * from './runtime-wire.ts';
