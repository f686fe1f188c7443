// The objects a pod references, read from metaManager's cache (the edge
// SQLite): what the cloud last synced, so pods get their ConfigMaps and
// Secrets with the cloud unreachable too.
import { ResourceTypes, edgeResource, type ConfigMap, type Secret } from '@kedge/api';
import type { MetaView } from '../metamanager/index.ts';
import type { EdgeObjectLookup, EdgeServiceAccountToken } from './pod-spec.ts';

export function cacheLookup(cache: MetaView): EdgeObjectLookup {
  return {
    configMap: async (namespace, name) =>
      cache.get(edgeResource(namespace, ResourceTypes.configmap, name))?.value as ConfigMap | undefined,
    secret: async (namespace, name) =>
      cache.get(edgeResource(namespace, ResourceTypes.secret, name))?.value as Secret | undefined,
    serviceAccountToken: async (namespace, pod) =>
      cache.get(edgeResource(namespace, ResourceTypes.serviceaccounttoken, pod))?.value as
        EdgeServiceAccountToken | undefined,
  };
}
