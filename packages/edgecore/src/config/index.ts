export { defaultEdgeCoreConfig, type EdgeCoreConfig } from './edgecore-config.ts';
export { loadEdgeCoreConfig, renderEdgeCoreConfig } from './load-edgecore-config.ts';
export { applyConfigUpdate } from './apply-config-update.ts';
export { updateEdgeCoreConfigText } from './update-edgecore-config-text.ts';
// The pure path helpers, from @kedge/api like the schema.
export { configFieldInfo, configUpdateProblems } from '@kedge/api';
