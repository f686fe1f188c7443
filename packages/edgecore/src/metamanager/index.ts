export { MetaCache, type MetaEntry, type MetaView } from './meta-cache.ts';
export { MetaManager } from './meta-manager.ts';
