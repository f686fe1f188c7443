// What a node tells the cloud about itself when it connects.
import { arch, networkInterfaces, platform, release } from 'node:os';
import type { RegisterNodeContent } from '@kedge/api';

export function registerContent(version: string, labels: Record<string, string>): RegisterNodeContent {
  const addresses = Object.values(networkInterfaces())
    .flat()
    .filter((a) => a !== undefined && a.family === 'IPv4' && !a.internal)
    .map((a) => ({ type: 'InternalIP', address: a!.address }));
  return {
    edgecoreVersion: version,
    labels: { ...labels, 'kubernetes.io/arch': goArch(arch()), 'kubernetes.io/os': platform() },
    addresses,
    nodeInfo: {
      architecture: goArch(arch()),
      operatingSystem: platform(),
      kernelVersion: release(),
    },
  };
}

function goArch(a: string): string {
  return a === 'x64' ? 'amd64' : a === 'ia32' ? '386' : a;
}
