export * from './edgecore-config.ts';
export * from './load-edgecore-config.ts';
export * from './config-fields.ts';
export * from './convert-config-value.ts';
export * from './apply-config-update.ts';
export * from './update-edgecore-config-text.ts';
