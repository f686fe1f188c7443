export { CloudCore, type CloudCoreOptions } from './cloud-core.ts';
export { startCloudCore, type RunningCloudCore } from './app.ts';
export { nodeToken, verifyNodeToken } from './cloudhub/node-token.ts';
export * from './config/index.ts';
