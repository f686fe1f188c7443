export { LocalCloud, LocalProcess, CloudCoreReplica, type LocalCloudOptions } from './local-cloud.ts';
export { LocalEdge, type LocalEdgeOptions } from './local-edge.ts';
