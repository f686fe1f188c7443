export { startEdgeCore, type RunningEdgeCore } from './app.ts';
export * from './config/index.ts';
export { edgecoreVersion } from './version.ts';
export * from './install/index.ts';
export { type RequestRestart, type EdgeCoreStartOptions } from './app.ts';
export * from './cri/index.ts';
export { metaServerTokenPath, readMetaServerToken } from './metaserver/index.ts';
