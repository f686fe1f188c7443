// The tunnel over TLS: cloudcore serves wss:// with a certificate from a
// throwaway CA; an edge that trusts the CA connects, one that does not is
// refused by its own TLS check and never registers.
import { nodeReadyCondition } from '@kedge/api';
import { LocalCloud, LocalEdge } from '@kedge/localup';
import { makeTestCa, tempDir, waitFor, type TempDir } from '@kedge/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

describe('tunnel over TLS', () => {
  let dir: TempDir;
  let cloud: LocalCloud;
  const edges: LocalEdge[] = [];

  beforeAll(async () => {
    dir = await tempDir('kedge-tls-');
    const ca = await makeTestCa(dir.path);
    cloud = new LocalCloud({ dir: dir.path, tls: { certFile: ca.certFile, keyFile: ca.keyFile } });
    const cloudcore = await cloud.addCloudCore();
    const other = await makeTestCa(dir.path, 'other');
    for (const [name, caFile] of [
      ['tls-trusting', ca.caFile],
      ['tls-wrong-ca', other.caFile],
    ] as const) {
      const edge = await LocalEdge.create(dir.path, {
        name,
        server: cloudcore.address,
        token: cloud.token(name),
        tlsCaFile: caFile,
      });
      await edge.start();
      edges.push(edge);
    }
  });

  afterAll(async () => {
    await Promise.all(edges.map((e) => e.stop()));
    await cloud?.close();
    await dir?.cleanup();
  });

  it('connects an edge that trusts the cloud CA over wss://', async () => {
    const node = await waitFor(
      async () => {
        const n = await cloud.store.get('Node', 'tls-trusting');
        return n && nodeReadyCondition(n)?.status === 'True' ? n : undefined;
      },
      { what: 'tls-trusting Ready' },
    );
    expect(node.metadata.labels?.['node-role.kubernetes.io/edge']).toBe('');
    expect(edges[0]?.running.stdout()).toMatch(/wss:\/\/127\.0\.0\.1/);
  });

  it('an edge with the wrong CA refuses the cloud certificate and never registers', async () => {
    await edges[1]?.running.waitForLine(
      /"err":"[^"]*(certificate|self-signed|unable to verify)[^"]*","msg":"cloud session failed"/i,
      15_000,
    );
    expect(await cloud.store.get('Node', 'tls-wrong-ca')).toBeUndefined();
  });
});
