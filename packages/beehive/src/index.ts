export * from './bus.ts';
export * from './module.ts';
