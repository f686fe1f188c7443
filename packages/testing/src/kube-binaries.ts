// Where the cluster-mode tests find kube-apiserver, kubectl,
// kube-controller-manager, kube-scheduler, kubelet, kube-proxy and etcd, and whether a
// test may skip for want of them. scripts/build-kube.sh builds the Kubernetes
// ones from the Go module proxy into a cache outside the repo; etcd comes
// from Debian's etcd-server (or sits beside them when built).
import { accessSync, constants, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { KedgeError } from '@kedge/api';
import { repoRoot } from './repo-root.ts';

export interface KubeBinaries {
  kubeApiServer: string;
  kubectl: string;
  kubeControllerManager: string;
  kubeScheduler: string;
  kubelet: string;
  kubeProxy: string;
  etcd: string;
}

/** What scripts/build-kube.sh builds, by KubeBinaries field. */
const BUILT = {
  kubeApiServer: 'kube-apiserver',
  kubectl: 'kubectl',
  kubeControllerManager: 'kube-controller-manager',
  kubeScheduler: 'kube-scheduler',
  kubelet: 'kubelet',
  kubeProxy: 'kube-proxy',
} as const;

/** The pinned Kubernetes release: the default in scripts/build-kube.sh (its one source). */
export function kubeVersion(): string {
  if (process.env.KEDGE_KUBE_VERSION) return process.env.KEDGE_KUBE_VERSION;
  const script = readFileSync(join(repoRoot(), 'scripts/build-kube.sh'), 'utf8');
  const found = /KEDGE_KUBE_VERSION:-(v\d+\.\d+\.\d+)/.exec(script);
  if (!found?.[1]) throw new KedgeError('KEDGE_INTERNAL', 'scripts/build-kube.sh: no default version found');
  return found[1];
}

/** The cache directory scripts/build-kube.sh builds into (same rules as the script). */
function kubeBinariesDir(): string {
  if (process.env.KEDGE_KUBE_DIR) return process.env.KEDGE_KUBE_DIR;
  const cache = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(cache, 'kedge', `kube-${kubeVersion()}`);
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The binaries, or the list of those missing (with how to get each). */
function findKubeBinaries(): { found: KubeBinaries } | { missing: string[] } {
  const dir = kubeBinariesDir();
  const built = Object.fromEntries(
    Object.entries(BUILT).map(([field, file]) => [field, join(dir, file)]),
  ) as Record<keyof typeof BUILT, string>;
  const etcd = [join(dir, 'etcd'), '/usr/bin/etcd'].find(executable);
  const missing: string[] = [];
  for (const path of Object.values(built)) {
    if (!executable(path)) missing.push(`${path} (run scripts/build-kube.sh)`);
  }
  if (!etcd) missing.push('/usr/bin/etcd (apt-get install etcd-server)');
  if (missing.length > 0 || !etcd) return { missing };
  return { found: { ...built, etcd } };
}

/** Throws KEDGE_TEST_TOOL_MISSING naming what is missing and how to get it. */
export function requireKubeBinaries(): KubeBinaries {
  const result = findKubeBinaries();
  if ('found' in result) return result.found;
  throw new KedgeError(
    'KEDGE_TEST_TOOL_MISSING',
    `the cluster-mode tests need the Kubernetes binaries and etcd; missing: ${result.missing.join(', ')}`,
    { file: result.missing.join(', ') },
  );
}
