export * from './edgecore-config-schema.ts';
export * from './config-fields.ts';
export * from './convert-config-value.ts';
export * from './config-update-fields.ts';
export {
  configValueMessage,
  isPlainObject,
  secondsField,
  unwrapSchema,
  valueAt,
  whenObject,
} from './schema-helpers.ts';
