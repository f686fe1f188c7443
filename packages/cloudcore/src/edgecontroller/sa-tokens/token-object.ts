// The ServiceAccount token a node gets for one of its pods, as object sync
// sends it (edge resource `<ns>/serviceaccounttoken/<pod>`): a TokenRequest
// (authentication.k8s.io/v1) named after the pod, bound to it, whose status
// carries the token; `caCrt` is what edged writes as `ca.crt` when the pod
// has no projected volume of its own. Its UID is derived from the pod's and
// its resourceVersion is the issue time, so a refreshed token is newer.
import type { Pod } from '@kedge/api';

/** Lifetime asked for (KubeEdge/kubelet's default projected token: 1 h). */
export const TOKEN_EXPIRATION_SECONDS = 3600;
/** Fraction of a token's life after which it is replaced (kubelet: 80%). */
const TOKEN_REFRESH_FRACTION = 0.8;

export interface IssuedToken {
  token: string;
  issuedAtMs: number;
  expiresAtMs: number;
}

/** What an issuer needs to know about the pod a token is for. */
export interface TokenFor {
  namespace: string;
  serviceAccount: string;
  pod: { name: string; uid: string };
  node: string;
  expirationSeconds: number;
}

export interface TokenIssuer {
  /** Mode name for logs and docs: `tokenrequest` (kube-apiserver) or `cloudcore-jwt` (embedded). */
  readonly mode: string;
  issue(request: TokenFor, nowMs: number): Promise<IssuedToken>;
}

export function serviceAccountOf(pod: Pod): string {
  return pod.spec.serviceAccountName || pod.spec.serviceAccount || 'default';
}

interface ProjectedSource {
  serviceAccountToken?: unknown;
}

/** The pod mounts a token: automount not false, or a projected volume with a serviceAccountToken source. */
export function needsServiceAccountToken(pod: Pod): boolean {
  if (pod.spec.automountServiceAccountToken !== false) return true;
  return (pod.spec.volumes ?? []).some((v) =>
    ((v as { projected?: { sources?: ProjectedSource[] } }).projected?.sources ?? []).some(
      (s) => s.serviceAccountToken !== undefined,
    ),
  );
}

/** When a token issued at `issuedAtMs` is due for replacement. */
export function refreshAtMs(t: IssuedToken): number {
  return t.issuedAtMs + Math.floor((t.expiresAtMs - t.issuedAtMs) * TOKEN_REFRESH_FRACTION);
}

export function tokenUid(podUid: string): string {
  return `sa-token-${podUid}`;
}

export interface TokenObject {
  apiVersion: 'authentication.k8s.io/v1';
  kind: 'TokenRequest';
  metadata: { name: string; namespace: string; uid: string; resourceVersion: string };
  spec: { serviceAccountName: string; expirationSeconds: number; boundObjectRef: unknown };
  status: { token: string; expirationTimestamp: string };
  caCrt: string;
}

export function tokenObject(pod: Pod, issued: IssuedToken, caCrt: string): TokenObject {
  const namespace = pod.metadata.namespace ?? 'default';
  return {
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'TokenRequest',
    metadata: {
      name: pod.metadata.name,
      namespace,
      uid: tokenUid(pod.metadata.uid ?? ''),
      resourceVersion: String(issued.issuedAtMs),
    },
    spec: {
      serviceAccountName: serviceAccountOf(pod),
      expirationSeconds: Math.round((issued.expiresAtMs - issued.issuedAtMs) / 1000),
      boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: pod.metadata.name, uid: pod.metadata.uid },
    },
    status: { token: issued.token, expirationTimestamp: new Date(issued.expiresAtMs).toISOString() },
    caCrt,
  };
}
