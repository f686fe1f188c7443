export * from './edgecore-config.ts';
export * from './load-edgecore-config.ts';
export * from './apply-config-update.ts';
export * from './update-edgecore-config-text.ts';
// The pure path helpers, from @kedge/api like the schema.
export {
  configFieldInfo,
  configUpdateProblems,
  convertConfigValue,
  lookupConfigField,
  updateFieldProblems,
  type ConfigFieldInfo,
  type ConfigFieldLookup,
  type ConfigFieldType,
  type ConvertedConfigValue,
} from '@kedge/api';
