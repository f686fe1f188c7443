// A hollow fleet of 50 against a real cloudcore process on a real SQLite
// store: registration, liveness by keepalives alone, NotReady on stop, and
// refusal of a fleet that holds the wrong secret.
import { nodeReadyCondition, type Node } from '@kedge/api';
import { tempDir, waitFor, type TempDir } from '@kedge/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BENCH_SECRET, startKedgeCloud, type KedgeCloud } from './bench/bench-cloud.ts';
import { HollowFleet } from './hollow-fleet.ts';
import { HOLLOW_LABEL } from './hollow-messages.ts';

const N = 50;
const KEEPALIVE_TIMEOUT_S = 3;

describe('hollow fleet against cloudcore', () => {
  let dir: TempDir;
  let cloud: KedgeCloud;
  let fleet: HollowFleet;

  const nodes = async (): Promise<Node[]> =>
    (await cloud.store.list('Node', { labelSelector: `${HOLLOW_LABEL}=true` })).items;
  const readyCount = async (): Promise<number> =>
    (await nodes()).filter((n) => nodeReadyCondition(n)?.status === 'True').length;

  beforeAll(async () => {
    dir = await tempDir('edgemark-int-');
    cloud = await startKedgeCloud({
      dir: dir.path,
      nodeLimit: 100,
      keepaliveTimeoutS: KEEPALIVE_TIMEOUT_S,
      nodeStatusUpdateFrequencyS: 1,
    });
    fleet = new HollowFleet({
      server: cloud.address,
      secret: BENCH_SECRET,
      nodes: N,
      heartbeatMs: 1000,
      rampConcurrency: 10,
    });
  });

  afterAll(async () => {
    await fleet?.stop();
    await cloud?.stop();
    await dir?.cleanup();
  });

  it(`registers all ${N} hollow nodes as Ready edge Nodes`, async () => {
    fleet.start();
    await waitFor(async () => (await readyCount()) === N, { what: `${N} Ready Nodes`, timeoutMs: 30_000 });
    const all = await nodes();
    expect(all.map((n) => n.metadata.name).sort()).toEqual(
      Array.from({ length: N }, (_, i) => `hollow-${i}`).sort(),
    );
    const n = all.find((x) => x.metadata.name === 'hollow-7')!;
    expect(n.metadata.labels).toMatchObject({
      'node-role.kubernetes.io/edge': '',
      'node-role.kubernetes.io/agent': '',
    });
    expect(n.metadata.annotations?.cloudcore).toBe('cloudcore-bench');
    expect(n.status?.nodeInfo?.kubeletVersion).toBe('v1.21.0-hollow');
    expect(n.status?.addresses).toEqual([{ type: 'InternalIP', address: '10.0.0.7' }]);
    // The Node is Ready in the store as soon as the cloud wrote it; the register reply reaches the fleet after.
    await waitFor(() => fleet.stats().registered === N, { what: `the fleet to count ${N} registered` });
    expect(fleet.stats()).toMatchObject({ registered: N, connected: N, dials: N, reconnects: 0 });
  });

  it('stays Ready through several keepalive timeouts on keepalives alone', async () => {
    const before = fleet.stats().keepalivesSent;
    await new Promise((resolve) => setTimeout(resolve, KEEPALIVE_TIMEOUT_S * 3 * 1000));
    expect(await readyCount()).toBe(N);
    const stats = fleet.stats();
    expect(stats.reconnects).toBe(0);
    expect(stats.closes).toEqual({});
    expect(stats.keepalivesSent - before).toBeGreaterThanOrEqual(N * (KEEPALIVE_TIMEOUT_S * 3 - 1));
    // The cloud kept writing heartbeats: every Ready condition is fresh.
    for (const n of await nodes()) {
      const beat = Date.parse(nodeReadyCondition(n)?.lastHeartbeatTime ?? '');
      expect(Date.now() - beat).toBeLessThan(5000);
    }
  });

  it('marks every Node NotReady once the fleet stops', async () => {
    await fleet.stop();
    expect(fleet.stats()).toMatchObject({ sockets: 0, connected: 0, registered: 0 });
    await waitFor(async () => (await readyCount()) === 0, { what: 'all NotReady', timeoutMs: 15_000 });
    for (const n of await nodes()) {
      expect(nodeReadyCondition(n)).toMatchObject({ status: 'False', reason: 'EdgeDisconnected' });
    }
  });

  it('is refused with 4401 when it holds the wrong secret, and registers nothing', async () => {
    const impostors = new HollowFleet({
      server: cloud.address,
      secret: 'not-the-cloud-secret-0123456789',
      nodes: 5,
      prefix: 'impostor',
      reconnectInitialMs: 200,
      reconnectMaxMs: 1000,
    });
    impostors.start();
    try {
      await waitFor(() => (impostors.stats().closes['4401'] ?? 0) >= 5, { what: '5 refusals' });
      expect(impostors.stats().registered).toBe(0);
      expect(await cloud.store.get('Node', 'impostor-0')).toBeUndefined();
    } finally {
      await impostors.stop();
    }
  });
});
