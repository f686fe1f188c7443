export * from './cloudcore-config.ts';
export * from './load-cloudcore-config.ts';
