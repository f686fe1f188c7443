export * from './resource-store.ts';
export * from './mutate.ts';
export * from './label-selector.ts';
export { createInformer, type Informer, type InformerOptions } from './informer.ts';
export { openSqliteStore, type SqliteStoreOptions } from './sqlite-store.ts';
export { openKubernetesStore, type KubernetesStoreOptions } from './kubernetes/open-kubernetes-store.ts';
export { openStore } from './open-store.ts';
export { NodeTaskModeMarker } from './node-task-mode/node-task-mode-marker.ts';
export { ModeRefusals } from './node-task-mode/mode-refusals.ts';
