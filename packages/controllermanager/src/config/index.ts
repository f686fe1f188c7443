export * from './controllermanager-config.ts';
export * from './load-controllermanager-config.ts';
