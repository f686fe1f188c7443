// The network local edge nodes run pods on: one network namespace per node
// (its containerd, CNI bridge and pods live there), all joined through a
// bridge in one more namespace (a veth pair per node), each node holding a
// "node address" 192.168.<subnet>.<i+1>/24 on its side and routes to the
// other nodes' pod CIDRs via their node addresses, so a pod on one node
// reaches a pod on another by pod IP. Every address exists only inside these
// namespaces; nothing is added to the host's own network namespace.
import { execFile } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { KedgeError } from '@kedge/api';
import { createNetns, type TestNetns } from '@kedge/testing';

const IP = '/usr/sbin/ip';
const SYSCTL = '/usr/sbin/sysctl';

export interface NodeNetwork {
  netns: TestNetns;
  /** `10.244.<i+1>.0/24`: modules.edged.podCIDR of this node. */
  podCIDR: string;
  /** The node's address on the shared bridge (inside its namespace only). */
  nodeAddress: string;
}

function ip(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(IP, args, { timeout: 10_000 }, (err, _stdout, stderr) => {
      if (!err) resolve();
      else
        reject(
          new KedgeError('KEDGE_INTERNAL', `ip ${args.join(' ')} failed: ${stderr.trim() || err.message}`),
        );
    });
  });
}

export class LocalPodNetwork {
  readonly nodes: NodeNetwork[];
  readonly #hub: TestNetns;

  private constructor(hub: TestNetns, nodes: NodeNetwork[]) {
    this.#hub = hub;
    this.nodes = nodes;
  }

  /** Creates the hub namespace and `count` node namespaces, wired and routed; removes all on failure. */
  static async create(count: number): Promise<LocalPodNetwork> {
    const subnet = randomInt(100, 250);
    const hub = await createNetns();
    const network = new LocalPodNetwork(hub, []);
    try {
      await ip(['-n', hub.name, 'link', 'add', 'kedge-hub', 'type', 'bridge']);
      await ip(['-n', hub.name, 'link', 'set', 'kedge-hub', 'up']);
      for (let i = 0; i < count; i++) {
        const netns = await createNetns();
        const node = { netns, podCIDR: `10.244.${i + 1}.0/24`, nodeAddress: `192.168.${subnet}.${i + 1}` };
        network.nodes.push(node);
        const port = `node${i}`;
        await ip([
          '-n',
          hub.name,
          'link',
          'add',
          port,
          'type',
          'veth',
          'peer',
          'name',
          'eth0',
          'netns',
          netns.name,
        ]);
        await ip(['-n', hub.name, 'link', 'set', port, 'master', 'kedge-hub', 'up']);
        await ip(['-n', netns.name, 'addr', 'add', `${node.nodeAddress}/24`, 'dev', 'eth0']);
        await ip(['-n', netns.name, 'link', 'set', 'eth0', 'up']);
        // The node forwards between its bridge of pods and eth0.
        await netns.exec(SYSCTL, ['-q', '-w', 'net.ipv4.ip_forward=1']);
      }
      for (const node of network.nodes) {
        for (const other of network.nodes) {
          if (other === node) continue;
          await ip(['-n', node.netns.name, 'route', 'add', other.podCIDR, 'via', other.nodeAddress]);
        }
      }
    } catch (err: unknown) {
      await network.remove();
      throw err;
    }
    return network;
  }

  /** Deletes every namespace it created (idempotent). */
  async remove(): Promise<void> {
    for (const node of this.nodes) await node.netns.remove().catch(() => undefined);
    await this.#hub.remove().catch(() => undefined);
  }
}
