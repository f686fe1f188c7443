export * from './errors.ts';
export * from './message.ts';
export * from './routes.ts';
export * from './kinds.ts';
export * from './validate.ts';
export * from './resources/meta.ts';
export * from './resources/node.ts';
