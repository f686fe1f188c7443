// Generic config loading: file (config-file), env (config-env), flags
// (config-flags), validation and problem lines (config-problems), plain-data
// merging and freezing (config-data), the reference config (config-render).
export { valueAt } from '@kedge/api';
export { loadConfig } from './load-config.ts';
export { readFieldFile } from './config-file.ts';
export { type ConfigEnvBinding } from './config-env.ts';
export { parseFeatureGates } from './config-flags.ts';
export { configIssueMessage, configInvalid, configProblems } from './config-problems.ts';
export { deepEqual, deepFreeze, setIn, type DeepPartial } from './config-data.ts';
export { renderConfig } from './config-render.ts';
