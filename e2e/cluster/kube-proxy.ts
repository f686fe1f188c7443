// kube-proxy of the pinned release for a kube-node.ts node, in the node's
// network namespace, iptables mode. It writes the Services' rules into that
// namespace only: the `kubernetes` Service for the pods' in-cluster config,
// the ClusterIPs for pods, and the NodePorts on the node's address for
// clients on the host (the edges). It leaves the machine-wide conntrack
// sysctls alone (nf_conntrack_max and the TCP timeouts are not the node's to
// change on a shared machine) and serves healthz and metrics on the node's
// own address, where the ports are the namespace's.
import { spawnChild, type Child, type TestNetns } from '@kedge/testing';

export interface KubeProxyOptions {
  /** The kube-proxy binary. */
  binary: string;
  netns: TestNetns;
  name: string;
  nodeIp: string;
  /** A range holding every node's pod range: traffic from outside it to a ClusterIP is masqueraded. */
  clusterCidr: string;
  kubeconfig: string;
}

export function startKubeProxy(o: KubeProxyOptions): Child {
  const [nsenter, ...inNetns] = o.netns.prefix as [string, ...string[]];
  return spawnChild(`kube-proxy-${o.name}`, nsenter, [
    ...inNetns,
    o.binary,
    '--proxy-mode=iptables',
    `--kubeconfig=${o.kubeconfig}`,
    `--hostname-override=${o.name}`,
    `--cluster-cidr=${o.clusterCidr}`,
    `--bind-address=${o.nodeIp}`,
    `--nodeport-addresses=${o.nodeIp}/32`,
    `--healthz-bind-address=${o.nodeIp}:10256`,
    `--metrics-bind-address=${o.nodeIp}:10249`,
    // 0: keep the host's values instead of writing its global sysctls
    '--conntrack-max-per-core=0',
    '--conntrack-min=0',
    '--conntrack-tcp-timeout-established=0',
    '--conntrack-tcp-timeout-close-wait=0',
    '--iptables-sync-period=10s',
    '--v=1',
  ]);
}

/** GET healthz answers 200 once the first full sync of the rules is done. */
export function kubeProxyHealthzUrl(nodeIp: string): string {
  return `http://${nodeIp}:10256/healthz`;
}
