// A real Kubernetes node for the cloudcore-as-a-Pod test: the pinned
// kubelet on a real containerd, both inside a network namespace of their
// own. The namespace is wired to the host by a veth pair (host 10.<b>.<i>.1,
// node 10.<b>.<i>.2, the node's InternalIP); its pods sit on a CNI bridge
// (Debian's containernetworking-plugins) in 10.<b>.<100+i>.0/24, which the
// host routes to through the node, so the test, kube-apiserver and edge nodes
// on the host reach pod IPs, and forwards between the nodes' links (pod to
// pod across nodes, NodePort traffic to the other node's pod). kube-proxy
// (kube-proxy.ts) runs in the namespace beside the kubelet: it turns the
// `kubernetes` Service (10.96.0.1:443) into the API server on the host for
// in-cluster config, and serves the NodePorts on the node's address. The kubelet uses the
// cgroupfs driver under a cgroup root of its own (two nodes share this
// machine's cgroup trees) and the admin's token.
import { execFile } from 'node:child_process';
import { mkdir, readdir, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { KedgeError } from '@kedge/api';
import { stopNodeContainerd, unmountUnder } from '@kedge/localup';
import {
  createNetns,
  requireKubeBinaries,
  startContainerd,
  spawnChild,
  tempDir,
  type Child,
  type TempDir,
  type TestContainerd,
  type TestKubeApiServer,
  type TestNetns,
} from '@kedge/testing';
import { kubeProxyHealthzUrl, startKubeProxy } from './kube-proxy.ts';

const run = promisify(execFile);
const IP = '/usr/sbin/ip';
const IPTABLES = '/usr/sbin/iptables';
const CGROUP_FS = '/sys/fs/cgroup';
const CNI_BIN_DIR = '/usr/lib/cni';
/** The `kubernetes` Service's ClusterIP (kube-apiserver --service-cluster-ip-range=10.96.0.0/24). */
export const KUBERNETES_SERVICE_IP = '10.96.0.1';

/** The addresses of node `index` (1..27) in the 10.<block>.0.0/16 a test picked. */
export function nodeAddresses(block: number, index: number): { host: string; node: string; podCidr: string } {
  return {
    host: `10.${block}.${index}.1`,
    node: `10.${block}.${index}.2`,
    podCidr: `10.${block}.${100 + index}.0/24`,
  };
}

/** The range holding every node's pod range (kube-proxy's --cluster-cidr). */
function clusterCidr(block: number): string {
  return `10.${block}.64.0/18`;
}

export interface KubeNodeOptions {
  kube: TestKubeApiServer;
  /** The API server's port (it listens on every host address). */
  apiPort: number;
  name: string;
  block: number;
  index: number;
  /** The CRI plugin's sandbox image, imported with `imageTar`. */
  sandboxImage: string;
  /** A `docker save` tarball imported into the node's containerd (CRI namespace). */
  imageTar: string;
}

export interface KubeNode {
  name: string;
  nodeIp: string;
  podCidr: string;
  containerd: TestContainerd;
  /** Where the kubelet keeps the containers' logs (`<ns>_<pod>_<uid>/<container>/<n>.log`). */
  podLogsDir: string;
  kubeletOutput(): string;
  kubeProxyOutput(): string;
  /** kube-proxy's healthz: 200 once its rules are in place. */
  kubeProxyHealthz: string;
  stop(): Promise<void>;
}

function cniConfig(podCidr: string): string {
  return JSON.stringify({
    cniVersion: '1.0.0',
    name: 'kedge-node',
    plugins: [
      {
        type: 'bridge',
        bridge: 'cni0',
        isGateway: true,
        ipMasq: false,
        hairpinMode: true,
        ipam: { type: 'host-local', ranges: [[{ subnet: podCidr }]], routes: [{ dst: '0.0.0.0/0' }] },
      },
    ],
  });
}

/** Every hierarchy mounted under /sys/fs/cgroup (the kubelet checks the root exists in each). */
async function cgroupHierarchies(): Promise<string[]> {
  return (await readdir(CGROUP_FS, { withFileTypes: true }))
    .filter((e) => e.isDirectory())
    .map((e) => e.name);
}

/** Removes the node's cgroup root in every hierarchy, children first (they are empty once the pods are gone). */
async function removeCgroupTree(path: string): Promise<void> {
  const entries = await readdir(path, { withFileTypes: true }).catch(() => []);
  for (const e of entries) if (e.isDirectory()) await removeCgroupTree(join(path, e.name));
  await rmdir(path).catch(() => undefined);
}

export async function startKubeNode(o: KubeNodeOptions): Promise<KubeNode> {
  const bin = requireKubeBinaries();
  const addr = nodeAddresses(o.block, o.index);
  const cgroupRoot = `/kedge-node-${o.name}`;
  const hostLink = `kn${o.block}-${o.index}`;
  const undo: (() => Promise<unknown>)[] = [];
  let dir: TempDir | undefined;
  let netns: TestNetns | undefined;
  let containerd: TestContainerd | undefined;
  let kubelet: Child | undefined;
  let proxy: Child | undefined;
  // every step runs even when an earlier one failed: nothing of the node may outlive it
  const stop = async (): Promise<void> => {
    await proxy?.stop().catch(() => undefined);
    await kubelet?.stop().catch(() => undefined);
    if (containerd) await stopNodeContainerd(containerd).catch(() => undefined);
    // the kubelet bind-mounts its root directory and puts each pod's volumes on a tmpfs
    if (dir) await unmountUnder(dir.path).catch(() => undefined);
    for (const step of undo.splice(0).reverse()) await step().catch(() => undefined);
    await dir?.cleanup();
  };
  try {
    dir = await tempDir(`kedge-node-${o.name}-`);
    netns = await createNetns();
    const ns = netns;
    undo.push(() => ns.remove());
    await run(IP, ['link', 'add', hostLink, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns.name]);
    await run(IP, ['addr', 'add', `${addr.host}/24`, 'dev', hostLink]);
    await run(IP, ['link', 'set', hostLink, 'up']);
    await ns.exec(IP, ['addr', 'add', `${addr.node}/24`, 'dev', 'eth0']);
    await ns.exec(IP, ['link', 'set', 'eth0', 'up']);
    await ns.exec(IP, ['route', 'add', 'default', 'via', addr.host]);
    await ns.exec('/usr/sbin/sysctl', ['-qw', 'net.ipv4.ip_forward=1']);
    await run(IP, ['route', 'add', addr.podCidr, 'via', addr.node]);
    undo.push(() => run(IP, ['route', 'del', addr.podCidr]));
    // the host's FORWARD policy may be DROP (dockerd sets it): let this node's traffic through
    for (const dir of ['-i', '-o']) {
      const rule = ['FORWARD', dir, hostLink, '-j', 'ACCEPT'];
      await run(IPTABLES, ['-I', ...rule]);
      undo.push(() => run(IPTABLES, ['-D', ...rule]));
    }
    for (const c of await cgroupHierarchies()) {
      const path = join(CGROUP_FS, c, cgroupRoot);
      await mkdir(path, { recursive: true });
      undo.push(() => removeCgroupTree(path));
    }

    const cniConfDir = join(dir.path, 'net.d');
    await mkdir(cniConfDir, { recursive: true });
    await writeFile(join(cniConfDir, '10-kedge-node.conflist'), cniConfig(addr.podCidr));
    containerd = await startContainerd({
      netnsPath: ns.path,
      cni: { binDir: CNI_BIN_DIR, confDir: cniConfDir },
      sandboxImage: o.sandboxImage,
      cgroups: true,
    });
    await containerd.ctr(['images', 'import', '--snapshotter', 'native', o.imageTar], { timeoutMs: 300_000 });

    const kubeconfig = join(dir.path, 'kubeconfig.yaml');
    await writeFile(kubeconfig, kubeconfigFor(o.kube, `https://${addr.host}:${o.apiPort}`));
    const config = join(dir.path, 'kubelet.json');
    await writeFile(config, kubeletConfig(containerd.endpoint, cgroupRoot, join(dir.path, 'pod-logs')));
    const [nsenter, ...inNetns] = ns.prefix as [string, ...string[]];
    kubelet = spawnChild(`kubelet-${o.name}`, nsenter, [
      ...inNetns,
      bin.kubelet,
      `--config=${config}`,
      `--kubeconfig=${kubeconfig}`,
      `--root-dir=${join(dir.path, 'kubelet')}`,
      `--cert-dir=${join(dir.path, 'kubelet-pki')}`,
      `--hostname-override=${o.name}`,
      `--node-ip=${addr.node}`,
      '--v=1',
    ]);
    proxy = startKubeProxy({
      binary: bin.kubeProxy,
      netns: ns,
      name: o.name,
      nodeIp: addr.node,
      clusterCidr: clusterCidr(o.block),
      kubeconfig,
    });
  } catch (err: unknown) {
    await stop();
    throw err instanceof Error ? err : new KedgeError('KEDGE_INTERNAL', String(err));
  }
  const proc = kubelet;
  const proxyProc = proxy;
  return {
    name: o.name,
    nodeIp: addr.node,
    podCidr: addr.podCidr,
    containerd,
    podLogsDir: join(dir.path, 'pod-logs'),
    kubeletOutput: () => proc.log.text('stdout') + proc.log.text('stderr'),
    kubeProxyOutput: () => proxyProc.log.text('stdout') + proxyProc.log.text('stderr'),
    kubeProxyHealthz: kubeProxyHealthzUrl(addr.node),
    stop,
  };
}

function kubeconfigFor(kube: TestKubeApiServer, server: string): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'test', cluster: { server, 'certificate-authority': kube.caFile } }],
    users: [{ name: 'admin', user: { token: kube.adminToken } }],
    contexts: [{ name: 'test', context: { cluster: 'test', user: 'admin' } }],
    'current-context': 'test',
  });
}

function kubeletConfig(endpoint: string, cgroupRoot: string, podLogsDir: string): string {
  return JSON.stringify({
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    containerRuntimeEndpoint: endpoint,
    // PID 1 is not systemd here: the cgroupfs driver, under this node's own root
    cgroupDriver: 'cgroupfs',
    cgroupRoot,
    cgroupsPerQOS: true,
    failSwapOn: false,
    // containers' logs stay in the node's directory (default /var/log/pods)
    podLogsDir,
    readOnlyPort: 0,
    healthzBindAddress: '127.0.0.1',
    authentication: { anonymous: { enabled: false }, webhook: { enabled: false } },
    authorization: { mode: 'AlwaysAllow' },
    registerNode: true,
    serializeImagePulls: false,
    // a busy shared test machine: no evictions, no image garbage collection
    evictionHard: { 'memory.available': '1Mi', 'nodefs.available': '1%', 'imagefs.available': '1%' },
    imageGCHighThresholdPercent: 100,
    imageGCLowThresholdPercent: 99,
    nodeStatusUpdateFrequency: '4s',
  });
}
