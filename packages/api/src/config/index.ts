export * from './edgecore-config-schema.ts';
export * from './config-fields.ts';
export * from './convert-config-value.ts';
export * from './config-update-fields.ts';
export { isPlainObject, valueAt, whenObject, unwrapSchema, configValueMessage } from './schema-helpers.ts';
