export {
  MetaCache,
  resourceVersionOf,
  uidOf,
  type DeleteOutcome,
  type MetaCacheOptions,
  type MetaEntry,
  type MetaView,
  type UpsertOutcome,
} from './meta-cache.ts';
export {
  CloudConnection,
  MetaManager,
  errorReply,
  type ErrorReplyContent,
  type MetaManagerOptions,
} from './meta-manager.ts';
export { compareResourceVersions, isOlderResourceVersion } from './resource-version.ts';
