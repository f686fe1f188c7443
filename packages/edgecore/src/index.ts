// What callers of @kedge/edgecore use: start an edgecore in this process, and
// read, write and update its edgecore.yaml (keadm join/edge, scripts, e2e).
// The install root, the launcher and the supervisor are @kedge/installer.
export {
  startEdgeCore,
  type EdgeCoreStartOptions,
  type RequestRestart,
  type RunningEdgeCore,
} from './app.ts';
export { edgecoreVersion } from './version.ts';
export {
  defaultEdgeCoreConfig,
  loadEdgeCoreConfig,
  renderEdgeCoreConfig,
  updateEdgeCoreConfigText,
  type EdgeCoreConfig,
} from './config/index.ts';
export { metaServerTokenPath, readMetaServerToken } from './metaserver/index.ts';
// The CRI calls edged makes, for benchmarks that time the runtime without kedge around it.
export { CriClient } from './cri/index.ts';
export { PodRuntime, type PodSandboxSpec } from './edged/runtime/index.ts';
