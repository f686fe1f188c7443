// A pod's ServiceAccount token on the edge (docs/workloads.md). The token
// itself comes from the cloud (object sync, edge resource
// `<ns>/serviceaccounttoken/<pod>`, replaced before it expires). Two shapes:
// - a pod written by a kube-apiserver (cluster mode) already carries the
//   projected `kube-api-access-*` volume and its mounts: edged fills its
//   sources (serviceAccountToken, configMap such as kube-root-ca.crt,
//   downwardAPI);
// - any other pod whose automountServiceAccountToken is not false (embedded
//   mode has no admission to add that volume) gets the same files from edged
//   itself, `token`, `ca.crt` and `namespace`, mounted read-only at
//   /var/run/secrets/kubernetes.io/serviceaccount in every container that
//   mounts nothing there.
// Until the token has arrived, the pod's containers wait (ContainerCreating).
import { secretValue } from '@kedge/api';
import { ContainerConfigError, fieldRefValue, type PodRuntimeFacts } from './env-resolver.ts';
import {
  podNamespace,
  type Container,
  type EdgeObjectLookup,
  type EdgeServiceAccountToken,
  type EdgePod,
  type Volume,
} from './pod-spec.ts';

const SERVICE_ACCOUNT_MOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';
/** The volume edged adds (a name a user volume cannot have: RFC 1123 labels have no '~'). */
export const SERVICE_ACCOUNT_VOLUME = 'kedge~kube-api-access';

type Items = { key: string; path: string }[] | undefined;

interface ProjectedSource {
  serviceAccountToken?: { path: string };
  configMap?: { name: string; items?: Items; optional?: boolean };
  secret?: { name: string; items?: Items; optional?: boolean };
  downwardAPI?: { items?: { path: string; fieldRef?: { fieldPath: string } }[] };
}

export function projectedSources(v: Volume): ProjectedSource[] | undefined {
  return (v as { projected?: { sources?: ProjectedSource[] } }).projected?.sources;
}

/** edged adds the token volume: automount not false and the pod has no token volume of its own. */
export function addsServiceAccountVolume(pod: EdgePod): boolean {
  if (pod.spec.automountServiceAccountToken === false) return false;
  return !(pod.spec.volumes ?? []).some((v) => projectedSources(v)?.some((s) => s.serviceAccountToken));
}

/** The read-only token mount for `c`, unless it mounts something at that path itself. */
export function serviceAccountMount(
  c: Container,
  paths: ReadonlyMap<string, string>,
): { containerPath: string; hostPath: string; readOnly: true } | undefined {
  const hostPath = paths.get(SERVICE_ACCOUNT_VOLUME);
  if (
    !hostPath ||
    (c.volumeMounts ?? []).some((m) => m.mountPath.replace(/\/+$/, '') === SERVICE_ACCOUNT_MOUNT_PATH)
  )
    return undefined;
  return { containerPath: SERVICE_ACCOUNT_MOUNT_PATH, hostPath, readOnly: true };
}

async function token(pod: EdgePod, lookup: EdgeObjectLookup): Promise<EdgeServiceAccountToken> {
  const t = await lookup.serviceAccountToken?.(podNamespace(pod), pod.metadata.name);
  if (!t?.status.token) {
    throw new ContainerConfigError(
      `the ServiceAccount token of pod ${podNamespace(pod)}/${pod.metadata.name} has not arrived from the cloud yet`,
      'ContainerCreating',
    );
  }
  return t;
}

/** The files of the volume edged adds: token, ca.crt, namespace. */
export async function serviceAccountFiles(
  pod: EdgePod,
  lookup: EdgeObjectLookup,
): Promise<Map<string, string>> {
  const t = await token(pod, lookup);
  return new Map([
    ['token', t.status.token],
    ['ca.crt', t.caCrt ?? ''],
    ['namespace', podNamespace(pod)],
  ]);
}

/** The files of a projected volume (the sources a kube-apiserver's ServiceAccount admission uses). */
export async function projectedFiles(
  pod: EdgePod,
  sources: ProjectedSource[],
  lookup: EdgeObjectLookup,
  facts: PodRuntimeFacts,
  what: string,
): Promise<Map<string, string>> {
  const ns = podNamespace(pod);
  const files = new Map<string, string>();
  const keys = (data: Record<string, string>, items: Items): void => {
    if (!items) for (const [k, v] of Object.entries(data)) files.set(k, v);
    for (const item of items ?? []) {
      const v = data[item.key];
      if (v === undefined) throw new ContainerConfigError(`${what}: key ${item.key} not found`);
      files.set(item.path, v);
    }
  };
  for (const s of sources) {
    if (s.serviceAccountToken) files.set(s.serviceAccountToken.path, (await token(pod, lookup)).status.token);
    if (s.configMap) {
      const cm = await lookup.configMap(ns, s.configMap.name);
      if (!cm && s.configMap.optional !== true)
        throw new ContainerConfigError(
          `${what}: configmap "${s.configMap.name}" not found`,
          'ContainerCreating',
        );
      keys({ ...cm?.data }, s.configMap.items);
    }
    if (s.secret) {
      const secret = await lookup.secret(ns, s.secret.name);
      if (!secret && s.secret.optional !== true)
        throw new ContainerConfigError(`${what}: secret "${s.secret.name}" not found`, 'ContainerCreating');
      const names = [...Object.keys(secret?.data ?? {}), ...Object.keys(secret?.stringData ?? {})];
      keys(
        Object.fromEntries(names.map((k) => [k, secret ? (secretValue(secret, k) ?? '') : ''])),
        s.secret.items,
      );
    }
    for (const item of s.downwardAPI?.items ?? []) {
      const value = fieldRefValue(pod, facts, item.fieldRef?.fieldPath ?? '');
      if (value === undefined)
        throw new ContainerConfigError(`${what}: unsupported fieldPath: ${item.fieldRef?.fieldPath ?? ''}`);
      files.set(item.path, value);
    }
  }
  return files;
}
