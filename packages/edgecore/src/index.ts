export { startEdgeCore, type RunningEdgeCore } from './app.ts';
export * from './config/index.ts';
export { edgecoreVersion } from './version.ts';
