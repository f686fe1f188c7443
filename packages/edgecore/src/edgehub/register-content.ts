// What a node tells the cloud about itself when it connects: labels,
// addresses, nodeInfo (kubeletVersion is the edgecore version, set by the
// cloud from `edgecoreVersion`) and, as kubelet reports them, capacity and
// allocatable (cpu, memory, pods; nothing is reserved, so they are equal).
// Like kubelet, it labels itself with its hostname (the node name), os and
// arch: kube-scheduler's spreading and anti-affinity on
// `kubernetes.io/hostname` only count nodes that carry it.
import { arch, availableParallelism, networkInterfaces, platform, release, totalmem } from 'node:os';
import type { RegisterNodeContent } from '@kedge/api';

/** kubelet's default maxPods. */
const MAX_PODS = 110;

export interface RegisterFacts {
  /** The node name, for the `kubernetes.io/hostname` label. */
  nodeName?: string | undefined;
  /** `<runtimeName>://<runtimeVersion>` from CRI Version, when edged has asked the runtime. */
  containerRuntimeVersion?: string | undefined;
}

export function registerContent(
  version: string,
  labels: Record<string, string>,
  facts: RegisterFacts = {},
): RegisterNodeContent {
  const resources = {
    cpu: String(availableParallelism()),
    memory: `${Math.floor(totalmem() / 1024)}Ki`,
    pods: String(MAX_PODS),
  };
  return {
    edgecoreVersion: version,
    labels: {
      ...labels,
      ...(facts.nodeName ? { 'kubernetes.io/hostname': facts.nodeName.toLowerCase() } : {}),
      'kubernetes.io/arch': goArch(arch()),
      'kubernetes.io/os': platform(),
    },
    addresses: nodeAddresses(),
    nodeInfo: {
      architecture: goArch(arch()),
      operatingSystem: platform(),
      kernelVersion: release(),
      ...(facts.containerRuntimeVersion ? { containerRuntimeVersion: facts.containerRuntimeVersion } : {}),
    },
    capacity: resources,
    allocatable: { ...resources },
  };
}

/** Bridges of pod networks (edged's own, and the usual CNI and Docker ones): their addresses are not the node's. */
const POD_BRIDGES = /^(kedge\d+|cni\d+|docker\d+|veth.*)$/;

/** The node's non-loopback IPv4 addresses, as InternalIP; pod network bridges left out. */
export function nodeAddresses(): { type: string; address: string }[] {
  return Object.entries(networkInterfaces())
    .filter(([name]) => !POD_BRIDGES.test(name))
    .flatMap(([, addrs]) => addrs ?? [])
    .filter((a) => a.family === 'IPv4' && !a.internal)
    .map((a) => ({ type: 'InternalIP', address: a.address }));
}

function goArch(a: string): string {
  return a === 'x64' ? 'amd64' : a === 'ia32' ? '386' : a;
}
