export {
  serviceAccountTokenRequester,
  type ResourceStore,
  type ServiceAccountTokenRequester,
  type ServiceAccountTokenSpec,
  type WatchEvent,
} from './resource-store.ts';
export { mutate } from './mutate.ts';
export { createObserved } from './create-observed.ts';
export { labelSelectorToString, matchesLabelSelector, parseLabelSelector } from './label-selector.ts';
export { createInformer, type Informer, type InformerOptions } from './informer.ts';
export { hasEventTtl, openSqliteStore, type EventTtlStore, type SqliteStoreOptions } from './sqlite-store.ts';
export { DEFAULT_EVENT_TTL_MS } from './sqlite-event-ttl.ts';
export { openKubernetesStore, type KubernetesStoreOptions } from './kubernetes/open-kubernetes-store.ts';
export { openStore } from './open-store.ts';
export { StoreConfigSchema, defaultStoreConfig, type StoreConfig } from './store-config.ts';
export { configMapTable, type ConfigMapTable } from './configmap-table.ts';
