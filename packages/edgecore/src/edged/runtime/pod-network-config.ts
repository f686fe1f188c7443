// The node's pod network as a CNI network config list, for the CRI plugin of
// the node's containerd (its `cni.conf_dir`): a Linux bridge with this node's
// pod CIDR handed out by host-local IPAM, then portmap for hostPort mappings.
// The runtime adds the pod's loopback itself (the `loopback` plugin in the
// same bin_dir). Plugins: Debian's containernetworking-plugins, /usr/lib/cni.
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { KedgeError } from '@kedge/api';

export const CNI_BIN_DIR = '/usr/lib/cni';
export const POD_NETWORK_NAME = 'kedge-pods';
/** Loaded first by the runtime (it takes the lexically first config). */
export const POD_NETWORK_FILE = '10-kedge-pods.conflist';

export interface PodNetworkOptions {
  /** This node's pod range, IPv4 CIDR, e.g. `10.88.3.0/24`. */
  podCidr: string;
  /** The bridge device (default `kedge0`, at most 15 characters). */
  bridge?: string;
  /** Where host-local keeps its leases (default its own, /var/lib/cni/networks). */
  ipamDataDir?: string;
  /** Masquerade traffic leaving the pod range (default false). */
  ipMasq?: boolean;
}

interface Cidr {
  network: string;
  prefix: number;
}

/** Parses an IPv4 CIDR whose address is its network address; throws KEDGE_CONFIG_INVALID otherwise. */
export function parsePodCidr(podCidr: string): Cidr {
  const bad = (why: string): KedgeError =>
    new KedgeError('KEDGE_CONFIG_INVALID', `podCidr: ${JSON.stringify(podCidr)} ${why}`, {
      field: 'podCidr',
    });
  const [network = '', prefixText = '', ...rest] = podCidr.split('/');
  if (rest.length > 0 || isIP(network) !== 4 || !/^\d{1,2}$/.test(prefixText)) {
    throw bad('is not an IPv4 CIDR (a.b.c.d/n)');
  }
  const prefix = Number(prefixText);
  if (prefix < 8 || prefix > 29) throw bad('needs a prefix between /8 and /29');
  const value = network.split('.').reduce((acc, octet) => acc * 256 + Number(octet), 0);
  const size = 2 ** (32 - prefix);
  if (value % size !== 0) throw bad(`is not a network address (host bits set for /${prefix})`);
  return { network, prefix };
}

/** The conflist object (cniVersion 0.4.0, which every plugin release in Debian speaks). */
export function podNetworkConflist(o: PodNetworkOptions): Record<string, unknown> {
  const { network, prefix } = parsePodCidr(o.podCidr);
  const bridge = o.bridge ?? 'kedge0';
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,14}$/.test(bridge)) {
    throw new KedgeError('KEDGE_CONFIG_INVALID', `bridge: ${JSON.stringify(bridge)} is not a device name`, {
      field: 'bridge',
    });
  }
  return {
    cniVersion: '0.4.0',
    name: POD_NETWORK_NAME,
    plugins: [
      {
        type: 'bridge',
        bridge,
        isGateway: true,
        ipMasq: o.ipMasq === true,
        hairpinMode: true,
        ipam: {
          type: 'host-local',
          ranges: [[{ subnet: `${network}/${prefix}` }]],
          routes: [{ dst: '0.0.0.0/0' }],
          ...(o.ipamDataDir ? { dataDir: o.ipamDataDir } : {}),
        },
      },
      { type: 'portmap', capabilities: { portMappings: true } },
    ],
  };
}

/** Writes the conflist into `confDir` (atomically: the runtime watches the directory); resolves with its path. */
export async function writePodNetworkConfig(confDir: string, o: PodNetworkOptions): Promise<string> {
  const body = `${JSON.stringify(podNetworkConflist(o), null, 2)}\n`;
  await mkdir(confDir, { recursive: true });
  const file = join(confDir, POD_NETWORK_FILE);
  const partial = `${file}.partial`;
  await writeFile(partial, body, { mode: 0o644 });
  await rename(partial, file);
  return file;
}
