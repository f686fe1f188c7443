export { createLogger, type Logger } from './logger.ts';
export { type Clock, systemClock } from './clock.ts';
export { FakeClock } from './fake-clock.ts';
export { Backoff, resendDelayMs } from './backoff.ts';
export { raceAbort, whenAborted } from './abort.ts';
export {
  type ConfigEnvBinding,
  configInvalid,
  configIssueMessage,
  configProblems,
  deepEqual,
  deepFreeze,
  type DeepPartial,
  loadConfig,
  parseFeatureGates,
  readFieldFile,
  renderConfig,
  setIn,
  valueAt,
} from './config/index.ts';
export { failpoint } from './failpoint.ts';
export { runDaemon, type DaemonArgs, type DaemonSpec } from './daemon-main.ts';
export {
  every,
  loopService,
  runServices,
  startStopService,
  type RunServicesOptions,
  type Service,
} from './service.ts';
export { startServices, type StartedServices } from './start-services.ts';
