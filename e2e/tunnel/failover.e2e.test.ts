// Several cloudcore addresses on the edge (modules.edgeHub.websocket.servers),
// embedded mode: a node whose first address is dead registers through the
// next one at once, and the nodes of a replica that dies move to the other
// replica (Node annotation `cloudcore`) and are Ready there; they stay there
// when the dead replica comes back.
import { nodeReadyCondition } from '@kedge/api';
import { LocalCloud, LocalEdge, type CloudCoreReplica } from '@kedge/localup';
import { freePort, tempDir, waitFor, type TempDir } from '@kedge/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

describe('edge failover between cloudcore replicas', () => {
  let dir: TempDir;
  let cloud: LocalCloud;
  let r0: CloudCoreReplica;
  let r1: CloudCoreReplica;
  const edges: LocalEdge[] = [];

  const holder = async (name: string): Promise<string | undefined> =>
    (await cloud.store.get('Node', name))?.metadata.annotations?.['cloudcore'];
  const readyAt = async (name: string, replica: string): Promise<boolean> => {
    const n = await cloud.store.get('Node', name);
    return n?.metadata.annotations?.['cloudcore'] === replica && nodeReadyCondition(n)?.status === 'True';
  };
  const edge = async (name: string, server: string, servers: string[]): Promise<LocalEdge> => {
    const e = await LocalEdge.create(dir.path, {
      name,
      server,
      servers,
      token: cloud.token(name),
      heartbeat: 1,
    });
    await e.start();
    edges.push(e);
    return e;
  };

  beforeAll(async () => {
    dir = await tempDir('kedge-failover-');
    cloud = new LocalCloud({ dir: dir.path, keepaliveTimeout: 4 });
    r0 = await cloud.addCloudCore();
    r1 = await cloud.addCloudCore();
  });
  afterAll(async () => {
    await Promise.all(edges.map((e) => e.stop()));
    await cloud?.close();
    await dir?.cleanup();
  });

  it('skips a dead first address and registers through the next one', async () => {
    const dead = `127.0.0.1:${await freePort()}`;
    const e = await edge('f-dead-first', dead, [r1.address]);
    await waitFor(() => readyAt('f-dead-first', r1.id), { what: 'f-dead-first Ready at cloudcore-1' });
    expect(e.running.stdout()).toMatch(/trying the next cloudcore address/);
  });

  it('moves the nodes of a dead replica to the other one, and keeps them there when it returns', async () => {
    await edge('f-1', r0.address, [r1.address]);
    await edge('f-2', r0.address, [r1.address]);
    for (const n of ['f-1', 'f-2'])
      await waitFor(() => readyAt(n, r0.id), { what: `${n} Ready at cloudcore-0` });

    await r0.killHard();
    for (const n of ['f-1', 'f-2'])
      await waitFor(() => readyAt(n, r1.id), { what: `${n} Ready at cloudcore-1`, timeoutMs: 15_000 });

    await r0.start();
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(await holder('f-1')).toBe(r1.id);
    expect(await holder('f-2')).toBe(r1.id);
  });
});
