// Object sync with the real processes: a cloudcore and an edgecore (its
// metaManager caching what the cloud sends in its SQLite and acking after the
// write). The node gets its pods and what they use into its edge database,
// its acks become ObjectSync records, and after a cloudcore restart an update
// and deletes made while it was down reach the edge.
import type { Pod } from '@kedge/api';
import { LocalCloud, LocalEdge, type CloudCoreReplica } from '@kedge/localup';
import { tempDir, waitFor, type TempDir } from '@kedge/testing';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const pod = (name: string, secret: string): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'shop' },
  spec: {
    nodeName: 'edge-1',
    // no ServiceAccount token: this test compares objects and records one by one (tokens: e2e/security)
    automountServiceAccountToken: false,
    containers: [
      {
        name: 'app',
        image: '127.0.0.1:5000/app:v1',
        env: [{ name: 'P', valueFrom: { secretKeyRef: { name: secret, key: 'p' } } }],
        envFrom: [{ configMapRef: { name: 'settings' } }],
      },
    ],
  },
});

describe('object sync between real cloudcore and edgecore', () => {
  let dir: TempDir;
  let cloud: LocalCloud;
  let cloudcore: CloudCoreReplica;
  let edge: LocalEdge;

  /** The edge database's cached objects, `key@resourceVersion`. */
  const edgeRows = (): string[] => {
    const db = new Database(edge.dbPath, { readonly: true });
    try {
      return (
        db
          .prepare("SELECT key, resource_version AS rv FROM meta WHERE type IN ('pod','configmap','secret')")
          .all() as { key: string; rv: string }[]
      )
        .map((r) => `${r.key}@${r.rv}`)
        .sort();
    } finally {
      db.close();
    }
  };
  /** What the node should hold: its pods, the Secret each uses, and the ConfigMap (all of them use it). */
  const expected = async (): Promise<string[]> => {
    const pods = (await cloud.store.list('Pod', { namespace: 'shop' })).items;
    const rows = pods.map((p) => `shop/pod/${p.metadata.name}@${p.metadata.resourceVersion}`);
    const used = new Set(pods.map((p) => p.spec.containers[0]?.env?.[0]?.valueFrom?.secretKeyRef?.name));
    for (const s of (await cloud.store.list('Secret', { namespace: 'shop' })).items)
      if (used.has(s.metadata.name))
        rows.push(`shop/secret/${s.metadata.name}@${s.metadata.resourceVersion}`);
    const settings = await cloud.store.get('ConfigMap', 'settings', 'shop');
    rows.push(`shop/configmap/settings@${settings?.metadata.resourceVersion}`);
    return rows.sort();
  };
  const records = async (): Promise<string[]> =>
    Object.values((await cloud.store.get('ConfigMap', 'objectsync.edge-1', 'kubeedge'))?.data ?? {}).sort();

  beforeAll(async () => {
    dir = await tempDir('kedge-objectsync-e2e-');
    cloud = new LocalCloud({ dir: dir.path, keepaliveTimeout: 10 });
    for (const [kind, name] of [
      ['ConfigMap', 'settings'],
      ['Secret', 'db'],
      ['Secret', 'old-db'],
      ['Secret', 'unused'],
    ] as const) {
      await cloud.store.create(kind, {
        apiVersion: 'v1',
        kind,
        metadata: { name, namespace: 'shop' },
        data: { p: Buffer.from(name).toString('base64') },
      } as never);
    }
    await cloud.store.create('Pod', pod('web-1', 'db'));
    await cloud.store.create('Pod', pod('old-1', 'old-db'));
    cloudcore = await cloud.addCloudCore();
    edge = await LocalEdge.create(dir.path, {
      name: 'edge-1',
      server: cloudcore.address,
      token: cloud.token('edge-1'),
    });
    await edge.start();
  });
  afterAll(async () => {
    await edge?.stop();
    await cloud?.close();
    await dir?.cleanup();
  });

  it("the edge database holds the node's pods and what they use at the store's versions; its acks are records", async () => {
    const want = await expected();
    expect(want).toHaveLength(5);
    await waitFor(() => JSON.stringify(edgeRows()) === JSON.stringify(want) || undefined, {
      what: 'pods, ConfigMap and Secrets in the edge database',
      timeoutMs: 30_000,
    });
    expect(edgeRows().join(' ')).not.toContain('unused');
    await waitFor(
      async () => {
        const r = await records();
        return (r.length === 5 && r.every((v) => !v.endsWith('/'))) || undefined;
      },
      { what: 'five acked ObjectSync records', timeoutMs: 10_000 },
    );
  });

  it('after a cloudcore restart, an update and deletes made while it was down reach the edge', async () => {
    await cloudcore.stop();
    const settings = await cloud.store.get('ConfigMap', 'settings', 'shop');
    await cloud.store.update('ConfigMap', { ...settings!, data: { mode: 'debug' } });
    await cloud.store.delete('Pod', 'old-1', 'shop');
    await cloudcore.start();
    const want = await expected();
    expect(want.some((r) => r.includes('old'))).toBe(false);
    await waitFor(() => JSON.stringify(edgeRows()) === JSON.stringify(want) || undefined, {
      what: 'the edge database caught up after the restart',
      timeoutMs: 30_000,
    });
    await waitFor(async () => (await records()).length === 3 || undefined, {
      what: 'records of the deleted pod and Secret removed',
      timeoutMs: 10_000,
    });
  });
});
