export { type CloudCoreConfig, defaultCloudCoreConfig } from './cloudcore-config.ts';
export { loadCloudCoreConfig, renderCloudCoreConfig } from './load-cloudcore-config.ts';
