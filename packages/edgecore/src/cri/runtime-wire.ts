// The runtime.v1 pod and container messages as the gRPC loader hands them
// over: camelCase field names, int64 as decimal strings, enums as numbers,
// maps as plain objects. Only the fields declared in runtime-v1-proto.ts.

export const SANDBOX_STATE = { ready: 0, notReady: 1 } as const;
export const CONTAINER_STATE = { created: 0, running: 1, exited: 2, unknown: 3 } as const;
export const NAMESPACE_MODE = { pod: 0, container: 1, node: 2, target: 3 } as const;
export const PROTOCOL = { TCP: 0, UDP: 1, SCTP: 2 } as const;

type StringMap = Record<string, string>;
/** int64 on the wire: a number going out, a decimal string coming back. */
type Int64 = number | string;

interface WirePodSandboxMetadata {
  name: string;
  uid: string;
  namespace: string;
  attempt: number;
}

export interface WirePortMapping {
  protocol: number;
  containerPort: number;
  hostPort?: number;
  hostIp?: string;
}

interface WireNamespaceOption {
  network?: number;
  pid?: number;
  ipc?: number;
}

export interface WirePodSandboxConfig {
  metadata: WirePodSandboxMetadata;
  hostname: string;
  logDirectory: string;
  dnsConfig?: { servers: string[]; searches: string[]; options: string[] };
  portMappings: WirePortMapping[];
  labels: StringMap;
  annotations: StringMap;
  linux: {
    cgroupParent?: string;
    securityContext?: { namespaceOptions?: WireNamespaceOption; privileged?: boolean };
    sysctls?: StringMap;
  };
}

export interface WirePodSandbox {
  id: string;
  metadata?: WirePodSandboxMetadata | null;
  state: number;
  createdAt: string;
  labels: StringMap;
  annotations: StringMap;
}

export interface WirePodSandboxStatus extends WirePodSandbox {
  network?: { ip: string; additionalIps?: { ip: string }[] } | null;
}

export interface WirePodSandboxFilter {
  id?: string;
  state?: { state: number };
  labelSelector?: StringMap;
}

interface WireMount {
  containerPath: string;
  hostPath: string;
  readonly?: boolean;
  propagation?: number;
}

export interface WireLinuxResources {
  cpuPeriod?: Int64;
  cpuQuota?: Int64;
  cpuShares?: Int64;
  memoryLimitInBytes?: Int64;
}

export interface WireContainerConfig {
  metadata: { name: string; attempt: number };
  image: { image: string };
  command: string[];
  args: string[];
  workingDir: string;
  envs: { key: string; value: string }[];
  mounts: WireMount[];
  labels: StringMap;
  annotations: StringMap;
  logPath: string;
  linux: {
    resources?: WireLinuxResources;
    securityContext?: { namespaceOptions?: WireNamespaceOption; readonlyRootfs?: boolean };
  };
}

export interface WireContainer {
  id: string;
  podSandboxId: string;
  metadata?: { name: string; attempt: number } | null;
  image?: { image: string } | null;
  imageRef: string;
  state: number;
  createdAt: string;
  labels: StringMap;
  annotations: StringMap;
}

export interface WireContainerStatus {
  id: string;
  metadata?: { name: string; attempt: number } | null;
  state: number;
  createdAt: string;
  startedAt: string;
  finishedAt: string;
  exitCode: number;
  image?: { image: string } | null;
  imageRef: string;
  reason: string;
  message: string;
  labels: StringMap;
  annotations: StringMap;
  mounts: WireMount[];
  logPath: string;
  resources?: { linux?: WireLinuxResources | null } | null;
}

export interface WireContainerFilter {
  id?: string;
  state?: { state: number };
  podSandboxId?: string;
  labelSelector?: StringMap;
}
