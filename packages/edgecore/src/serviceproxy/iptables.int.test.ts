// The proxy's rules through the real iptables-restore in a network
// namespace made for the test: they load, a second sync with fewer
// endpoints removes the stale chains, and the entry jumps are added once.
import { createNetns, type TestNetns } from '@kedge/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Iptables } from './iptables.ts';
import { JUMPS, endpointChain, natRules, ownedChainsIn } from './iptables-rules.ts';

describe('service rules in a real nat table', () => {
  let netns: TestNetns;
  beforeEach(async () => {
    netns = await createNetns();
  });
  afterEach(async () => {
    await netns.remove();
  });

  it('loads, replaces stale endpoint chains, and adds each entry jump once', async () => {
    const ipt = new Iptables(netns.path);
    const route = {
      id: 'shop/web:80/tcp',
      clusterIP: '10.96.0.10',
      port: 80,
      protocol: 'tcp' as const,
      endpoints: ['10.244.1.5:8080', '10.244.2.5:8080'],
    };
    const apply = async (r: typeof route) => {
      const save = await ipt.run('iptables-save', ['-t', 'nat']);
      await ipt.run('iptables-restore', ['-w', '5', '--noflush'], natRules([r], ownedChainsIn(save)));
      for (const j of JUMPS) await ipt.ensureJump(j.chain, j.target);
    };
    await apply(route);
    await apply({ ...route, endpoints: ['10.244.1.5:8080'] });
    const save = await ipt.run('iptables-save', ['-t', 'nat']);
    expect(save).toContain('--to-destination 10.244.1.5:8080');
    expect(save).not.toContain('10.244.2.5');
    expect(ownedChainsIn(save)).not.toContain(endpointChain(route, '10.244.2.5:8080'));
    expect(save.split('\n').filter((l) => l === '-A PREROUTING -j KEDGE-SERVICES')).toHaveLength(1);
    await expect(
      ipt.run('iptables', ['-t', 'nat', '-A', 'NO-SUCH-CHAIN', '-j', 'ACCEPT']),
    ).rejects.toMatchObject({
      code: 'KEDGE_PROXY_RULES_FAILED',
    });
  });
});
