export { Bus } from './bus.ts';
export { type Module, type ModuleContext } from './module.ts';
