// What a Pod makes its node read (Kubernetes' node authorizer graph, the
// part kedge syncs): the ConfigMaps and Secrets named by its containers'
// env (valueFrom, envFrom), its volumes and its imagePullSecrets, always in
// the pod's own namespace. A node may read an object only while some pod
// bound to it references it; nothing else is ever sent to it.
import type { Pod } from '@kedge/api';

/**
 * What object sync sends: a node's pods, their objects and ServiceAccount tokens, and every Service
 * and EndpointSlice.
 */
export type SyncedKind = 'Pod' | 'ConfigMap' | 'Secret' | 'Service' | 'EndpointSlice' | 'ServiceAccountToken';

/** `<Kind>/<namespace>/<name>`, the key of an object in the desired set. */
export function objectKey(kind: SyncedKind, namespace: string, name: string): string {
  return `${kind}/${namespace}/${name}`;
}

interface ProjectedSource {
  configMap?: { name?: string };
  secret?: { name?: string };
}

/** Keys of the ConfigMaps and Secrets `pod` references (no duplicates). */
export function podReferences(pod: Pod): Set<string> {
  const ns = pod.metadata.namespace ?? 'default';
  const refs = new Set<string>();
  const cm = (name: string | undefined) => name && refs.add(objectKey('ConfigMap', ns, name));
  const secret = (name: string | undefined) => name && refs.add(objectKey('Secret', ns, name));
  const spec = pod.spec;
  for (const c of [...spec.containers, ...(spec.initContainers ?? [])]) {
    for (const e of c.env ?? []) {
      cm(e.valueFrom?.configMapKeyRef?.name);
      secret(e.valueFrom?.secretKeyRef?.name);
    }
    for (const f of c.envFrom ?? []) {
      cm(f.configMapRef?.name);
      secret(f.secretRef?.name);
    }
  }
  for (const v of spec.volumes ?? []) {
    cm(v.configMap?.name);
    secret(v.secret?.secretName);
    // a projected volume (kube-apiserver's kube-api-access-*: kube-root-ca.crt) reads its sources too
    const sources = (v as { projected?: { sources?: ProjectedSource[] } }).projected?.sources ?? [];
    for (const source of sources) {
      cm(source.configMap?.name);
      secret(source.secret?.name);
    }
  }
  for (const s of spec.imagePullSecrets ?? []) secret(s.name);
  return refs;
}
