// What edged reads and writes of a pod: the spec side is @kedge/api's core/v1
// Pod; the status side is the exact shape edged writes (every field kubelet
// always sets is required here), which fits @kedge/api's PodStatus. Objects
// a pod references (ConfigMaps, Secrets) come through EdgeObjectLookup.
import type { ConfigMap, Container, EnvVar, Pod, Probe, Secret, Volume } from '@kedge/api';

export type { Container, Probe, Volume };

/** The pod edged runs: the @kedge/api core/v1 Pod (status is edged's to write). */
export type EdgePod = Pick<Pod, 'metadata' | 'spec'>;

/** A key-to-path item of a configMap or secret volume. */
export type KeyToPath = NonNullable<NonNullable<Volume['configMap']>['items']>[number];

/** A configMapKeyRef / secretKeyRef. */
export type KeySelector = NonNullable<NonNullable<EnvVar['valueFrom']>['configMapKeyRef']>;

/** Edge cache types a pod's volumes are written from (a change rewrites them). */
export type VolumeSourceType = 'configmap' | 'secret' | 'serviceaccounttoken';

/** What edged reads of the ServiceAccount token object cloudcore sends (service-account-volume.ts). */
export interface EdgeServiceAccountToken {
  status: { token: string; expirationTimestamp?: string };
  caCrt?: string;
}

/** How edged reads the objects a pod references (the edge database, later). */
export interface EdgeObjectLookup {
  configMap(namespace: string, name: string): Promise<ConfigMap | undefined>;
  secret(namespace: string, name: string): Promise<Secret | undefined>;
  /** The pod's ServiceAccount token as the cloud last sent it (service-account-volume.ts). */
  serviceAccountToken?(namespace: string, pod: string): Promise<EdgeServiceAccountToken | undefined>;
}

export interface PodCondition {
  type: 'PodScheduled' | 'Initialized' | 'ContainersReady' | 'Ready';
  status: 'True' | 'False' | 'Unknown';
  lastProbeTime: null;
  lastTransitionTime: string;
  reason?: string;
  message?: string;
}

interface ContainerStateWaiting {
  reason: string;
  message?: string;
}

interface ContainerStateTerminated {
  exitCode: number;
  reason?: string;
  message?: string;
  startedAt?: string;
  finishedAt?: string;
  containerID?: string;
}

export interface ContainerState {
  waiting?: ContainerStateWaiting;
  running?: { startedAt: string };
  terminated?: ContainerStateTerminated;
}

export interface ContainerStatus {
  name: string;
  state: ContainerState;
  lastState: ContainerState;
  ready: boolean;
  started: boolean;
  restartCount: number;
  image: string;
  imageID: string;
  containerID?: string;
}

export interface PodStatus {
  phase: 'Pending' | 'Running' | 'Succeeded' | 'Failed';
  conditions: PodCondition[];
  hostIP?: string;
  hostIPs?: { ip: string }[];
  podIP?: string;
  podIPs?: { ip: string }[];
  startTime?: string;
  containerStatuses: ContainerStatus[];
}

export function podNamespace(pod: EdgePod): string {
  return pod.metadata.namespace ?? 'default';
}

/** kubelet's `format.Pod`: `name_namespace(uid)`. */
export function formatPod(pod: EdgePod): string {
  return `${pod.metadata.name}_${podNamespace(pod)}(${pod.metadata.uid ?? ''})`;
}

/** A Kubernetes time: RFC 3339 in whole seconds, UTC. */
export function kubeTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}
