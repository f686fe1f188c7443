// Which kedge pod a sandbox or container belongs to, written into its CRI
// labels (selectable: namespace, name, uid, container name) and annotations
// (the attempt), so an edgecore that restarts finds and adopts what it left
// running by listing with a label selector instead of recreating it.
import { join } from 'node:path';
import { KedgeError } from '@kedge/api';

export const POD_LABELS = {
  managed: 'io.kedge.managed',
  namespace: 'io.kedge.pod.namespace',
  name: 'io.kedge.pod.name',
  uid: 'io.kedge.pod.uid',
  container: 'io.kedge.container.name',
} as const;

export const POD_ANNOTATIONS = {
  podAttempt: 'io.kedge.pod.attempt',
  containerAttempt: 'io.kedge.container.attempt',
  /** Hash of the pod's container spec the container was created from (kubelet's container hash). */
  containerHash: 'io.kedge.container.hash',
  /** The pod's terminationGracePeriodSeconds, so a pod deleted while edgecore was down still gets its own. */
  terminationGrace: 'io.kedge.pod.terminationGracePeriod',
} as const;

/** One run of one pod: the same namespace/name/uid, attempt counting sandbox restarts. */
export interface PodIdentity {
  namespace: string;
  name: string;
  uid: string;
  /** Sandbox attempt, 0 first. */
  attempt: number;
}

// Kubernetes names (DNS-1123 labels / subdomains) and uids fit this; nothing
// that could escape a path or a label value does.
const SAFE = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
const SAFE_UID = /^[A-Za-z0-9][-A-Za-z0-9]{0,62}$/;

/** Throws KEDGE_RESOURCE_INVALID naming each bad field (they end up in paths and labels). */
export function checkPodIdentity(pod: PodIdentity): void {
  const problems: string[] = [];
  if (!SAFE.test(pod.namespace))
    problems.push(`namespace: ${JSON.stringify(pod.namespace)} is not a DNS name`);
  if (!SAFE.test(pod.name)) problems.push(`name: ${JSON.stringify(pod.name)} is not a DNS name`);
  if (!SAFE_UID.test(pod.uid)) problems.push(`uid: ${JSON.stringify(pod.uid)} is not a uid`);
  if (!Number.isInteger(pod.attempt) || pod.attempt < 0) problems.push(`attempt: ${pod.attempt} is not >= 0`);
  if (problems.length > 0) {
    throw new KedgeError(
      'KEDGE_RESOURCE_INVALID',
      `pod ${pod.namespace}/${pod.name}: ${problems.join('; ')}`,
      {
        resource: `${pod.namespace}/${pod.name}`,
      },
    );
  }
}

/** The label selector of everything kedge runs for this pod (any attempt). */
export function podSelector(pod: Pick<PodIdentity, 'namespace' | 'name' | 'uid'>): Record<string, string> {
  return {
    [POD_LABELS.managed]: 'true',
    [POD_LABELS.namespace]: pod.namespace,
    [POD_LABELS.name]: pod.name,
    [POD_LABELS.uid]: pod.uid,
  };
}

/** The selector of everything kedge runs on this node. */
export function managedSelector(): Record<string, string> {
  return { [POD_LABELS.managed]: 'true' };
}

export function sandboxAnnotations(pod: PodIdentity): Record<string, string> {
  return { [POD_ANNOTATIONS.podAttempt]: String(pod.attempt) };
}

export function containerLabels(pod: PodIdentity, container: string): Record<string, string> {
  return { ...podSelector(pod), [POD_LABELS.container]: container };
}

/** The pod a sandbox or container says it belongs to, or undefined when kedge did not start it. */
export function podOfLabels(
  labels: Record<string, string>,
  annotations: Record<string, string> = {},
): PodIdentity | undefined {
  if (labels[POD_LABELS.managed] !== 'true') return undefined;
  const namespace = labels[POD_LABELS.namespace];
  const name = labels[POD_LABELS.name];
  const uid = labels[POD_LABELS.uid];
  if (!namespace || !name || !uid) return undefined;
  const attempt = Number(annotations[POD_ANNOTATIONS.podAttempt] ?? '0');
  return { namespace, name, uid, attempt: Number.isInteger(attempt) && attempt >= 0 ? attempt : 0 };
}

/** The grace period a sandbox was created with (annotation), when it has a valid one. */
export function graceOfAnnotations(annotations: Record<string, string> = {}): number | undefined {
  const raw = annotations[POD_ANNOTATIONS.terminationGrace];
  if (raw === undefined || !/^\d{1,9}$/.test(raw)) return undefined;
  return Number(raw);
}

/** `<podLogsRoot>/<namespace>_<name>_<uid>`: the sandbox's log directory (kubelet's layout). */
export function podLogDirectory(podLogsRoot: string, pod: PodIdentity): string {
  return join(podLogsRoot, `${pod.namespace}_${pod.name}_${pod.uid}`);
}

/** `<container>/<attempt>.log`, relative to the pod's log directory. */
export function containerLogPath(container: string, attempt: number): string {
  return `${container}/${attempt}.log`;
}
