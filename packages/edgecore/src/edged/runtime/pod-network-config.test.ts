import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasCode } from '@kedge/api';
import { tempDir } from '@kedge/testing';
import {
  POD_NETWORK_FILE,
  parsePodCidr,
  podNetworkConflist,
  writePodNetworkConfig,
} from './pod-network-config.ts';

function codeAndMessage(fn: () => unknown): [boolean, string] {
  try {
    fn();
  } catch (err: unknown) {
    return [hasCode(err, 'KEDGE_CONFIG_INVALID'), (err as Error).message];
  }
  return [false, 'no error'];
}

describe('pod network config', () => {
  it('is a bridge with host-local IPAM over the pod CIDR, then portmap', () => {
    const list = podNetworkConflist({ podCidr: '10.88.3.0/24', ipamDataDir: '/var/lib/kedge/cni' });
    expect(list).toEqual({
      cniVersion: '0.4.0',
      name: 'kedge-pods',
      plugins: [
        {
          type: 'bridge',
          bridge: 'kedge0',
          isGateway: true,
          ipMasq: false,
          hairpinMode: true,
          ipam: {
            type: 'host-local',
            ranges: [[{ subnet: '10.88.3.0/24' }]],
            routes: [{ dst: '0.0.0.0/0' }],
            dataDir: '/var/lib/kedge/cni',
          },
        },
        { type: 'portmap', capabilities: { portMappings: true } },
      ],
    });
  });

  it.each([
    ['10.88.3.0', 'is not an IPv4 CIDR (a.b.c.d/n)'],
    ['10.88.3.0/24/1', 'is not an IPv4 CIDR (a.b.c.d/n)'],
    ['fd00::/64', 'is not an IPv4 CIDR (a.b.c.d/n)'],
    ['10.88.300.0/24', 'is not an IPv4 CIDR (a.b.c.d/n)'],
    ['10.88.3.0/31', 'needs a prefix between /8 and /29'],
    ['10.88.3.7/24', 'is not a network address (host bits set for /24)'],
  ])('refuses podCidr %s', (podCidr, why) => {
    expect(codeAndMessage(() => parsePodCidr(podCidr))).toEqual([true, `podCidr: "${podCidr}" ${why}`]);
  });

  it('refuses a bridge name that is not a device name', () => {
    expect(codeAndMessage(() => podNetworkConflist({ podCidr: '10.1.0.0/16', bridge: 'a/b' }))).toEqual([
      true,
      'bridge: "a/b" is not a device name',
    ]);
  });

  it('writes the conflist atomically into the runtime conf dir', async () => {
    await using dir = await tempDir('kedge-cni-');
    const confDir = join(dir.path, 'net.d');
    const file = await writePodNetworkConfig(confDir, { podCidr: '10.1.0.0/16', bridge: 'br-pods' });
    expect(file).toBe(join(confDir, POD_NETWORK_FILE));
    expect(await readdir(confDir)).toEqual([POD_NETWORK_FILE]);
    const written = JSON.parse(await readFile(file, 'utf8')) as { plugins: { bridge?: string }[] };
    expect(written.plugins[0]?.bridge).toBe('br-pods');
  });
});
