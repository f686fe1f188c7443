// What a pod's sandbox is, as edged sees it (PodSandboxSpec), turned into the
// CRI PodSandboxConfig. The same spec always gives the same config: the
// runtime wants the sandbox's config again with every CreateContainer, and an
// edgecore that adopted a sandbox after a restart rebuilds it from the pod.
import { KedgeError } from '@kedge/api';
import {
  NAMESPACE_MODE,
  PROTOCOL,
  type WirePodSandboxConfig,
  type WirePortMapping,
} from '../../cri/index.ts';
import {
  checkPodIdentity,
  podLogDirectory,
  podSelector,
  sandboxAnnotations,
  POD_ANNOTATIONS,
  type PodIdentity,
} from './pod-identity.ts';

export interface PodPort {
  containerPort: number;
  /** Published on the node (through the portmap plugin); omitted: not published. */
  hostPort?: number;
  protocol?: keyof typeof PROTOCOL;
  hostIp?: string;
}

export interface PodSandboxSpec {
  pod: PodIdentity;
  /** Default: the pod's name. */
  hostname?: string;
  /** Root of the per-pod log directories, e.g. `/var/log/pods`. */
  podLogsRoot: string;
  /** cgroupfs path the pod's cgroups go under, e.g. `/kubepods/pod<uid>`; empty: the runtime's default. */
  cgroupParent?: string;
  dns?: { servers?: string[]; searches?: string[]; options?: string[] };
  ports?: PodPort[];
  /** The pod's own labels and annotations; kedge's identifying keys win over them. */
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  /** terminationGracePeriodSeconds, kept on the sandbox for a deletion edgecore learns of after a restart. */
  terminationGraceSeconds?: number;
}

function portMapping(p: PodPort, pod: string): WirePortMapping {
  const inRange = (n: number | undefined): boolean =>
    n === undefined || (Number.isInteger(n) && n > 0 && n < 65536);
  if (!inRange(p.containerPort) || !inRange(p.hostPort)) {
    throw new KedgeError(
      'KEDGE_RESOURCE_INVALID',
      `pod ${pod}: ports: ${p.containerPort}->${p.hostPort ?? '-'} is not a port number (1-65535)`,
      { resource: pod, field: 'ports' },
    );
  }
  return {
    protocol: PROTOCOL[p.protocol ?? 'TCP'],
    containerPort: p.containerPort,
    ...(p.hostPort !== undefined ? { hostPort: p.hostPort } : {}),
    ...(p.hostIp ? { hostIp: p.hostIp } : {}),
  };
}

export function sandboxConfig(spec: PodSandboxSpec): WirePodSandboxConfig {
  const { pod } = spec;
  checkPodIdentity(pod);
  const where = `${pod.namespace}/${pod.name}`;
  return {
    metadata: { name: pod.name, namespace: pod.namespace, uid: pod.uid, attempt: pod.attempt },
    hostname: spec.hostname ?? pod.name,
    logDirectory: podLogDirectory(spec.podLogsRoot, pod),
    ...(spec.dns
      ? {
          dnsConfig: {
            servers: spec.dns.servers ?? [],
            searches: spec.dns.searches ?? [],
            options: spec.dns.options ?? [],
          },
        }
      : {}),
    portMappings: (spec.ports ?? []).map((p) => portMapping(p, where)),
    labels: { ...spec.labels, ...podSelector(pod) },
    annotations: {
      ...spec.annotations,
      ...sandboxAnnotations(pod),
      ...(spec.terminationGraceSeconds !== undefined
        ? { [POD_ANNOTATIONS.terminationGrace]: String(spec.terminationGraceSeconds) }
        : {}),
    },
    linux: {
      ...(spec.cgroupParent ? { cgroupParent: spec.cgroupParent } : {}),
      // The pod's own network namespace (CNI), its own IPC; one PID namespace per container (kubelet's default).
      securityContext: {
        namespaceOptions: {
          network: NAMESPACE_MODE.pod,
          pid: NAMESPACE_MODE.container,
          ipc: NAMESPACE_MODE.pod,
        },
      },
    },
  };
}
