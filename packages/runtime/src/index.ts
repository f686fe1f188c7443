export * from './logger.ts';
export * from './clock.ts';
export * from './fake-clock.ts';
export * from './backoff.ts';
export * from './retry.ts';
export * from './abort.ts';
export * from './config/index.ts';
export { failpoint } from './failpoint.ts';
export { runDaemon, type DaemonArgs, type DaemonSpec } from './daemon-main.ts';
