// From a Deployment to the edge databases, with the real processes: the
// embedded workload controller (controllermanager, workload.enable auto on
// the SQLite store) places the pods of a 3-replica Deployment on three real
// edgecore nodes, and cloudcore's object sync gives each node exactly the
// pods bound to it and the ConfigMap they use, nothing of the other nodes.
// (Running the containers is edged's, on containerd: not in this test.)
import { LocalCloud, LocalEdge, type CloudCoreReplica } from '@kedge/localup';
import { tempDir, waitFor, type TempDir } from '@kedge/testing';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const NODES = ['edge-1', 'edge-2', 'edge-3'];

describe('a Deployment reaches the edge nodes its pods are placed on', () => {
  let dir: TempDir;
  let cloud: LocalCloud;
  let cloudcore: CloudCoreReplica;
  const edges: LocalEdge[] = [];

  const cachedKeys = (edge: LocalEdge): string[] => {
    const db = new Database(edge.dbPath, { readonly: true });
    try {
      return (
        db.prepare("SELECT key FROM meta WHERE type IN ('pod','configmap','secret')").all() as {
          key: string;
        }[]
      )
        .map((r) => r.key)
        .sort();
    } finally {
      db.close();
    }
  };

  beforeAll(async () => {
    dir = await tempDir('kedge-deployment-sync-');
    cloud = new LocalCloud({ dir: dir.path, keepaliveTimeout: 10 });
    cloudcore = await cloud.addCloudCore();
    await cloud.startControllerManager();
    for (const name of NODES) {
      const edge = await LocalEdge.create(dir.path, {
        name,
        server: cloudcore.address,
        token: cloud.token(name),
      });
      await edge.start();
      edges.push(edge);
    }
    await cloud.store.create('ConfigMap', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'web-config', namespace: 'default' },
      data: { greeting: 'hello' },
    });
  });
  afterAll(async () => {
    await Promise.all(edges.map((e) => e.stop()));
    await cloud?.close();
    await dir?.cleanup();
  });

  it('each node holds exactly its own pods and the ConfigMap they use', async () => {
    await waitFor(
      async () => {
        const nodes = await Promise.all(NODES.map((n) => cloud.store.get('Node', n)));
        return nodes.every((n) => n?.status?.allocatable) || undefined;
      },
      { what: 'three registered nodes with allocatable', timeoutMs: 30_000 },
    );
    await cloud.store.create('Deployment', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'default' },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: {
            containers: [
              {
                name: 'web',
                image: '127.0.0.1:5000/web:v1',
                envFrom: [{ configMapRef: { name: 'web-config' } }],
              },
            ],
          },
        },
      },
    } as never);
    const pods = await waitFor(
      async () => {
        const items = (await cloud.store.list('Pod', { namespace: 'default' })).items;
        return items.length === 3 && items.every((p) => p.spec.nodeName) ? items : undefined;
      },
      { what: 'three placed pods', timeoutMs: 30_000 },
    );
    for (const edge of edges) {
      const own = pods
        .filter((p) => p.spec.nodeName === edge.name)
        .map((p) => `default/pod/${p.metadata.name}`);
      const want = [...own, ...(own.length > 0 ? ['default/configmap/web-config'] : [])].sort();
      await waitFor(() => JSON.stringify(cachedKeys(edge)) === JSON.stringify(want) || undefined, {
        what: `${edge.name} caches ${want.join(', ') || 'nothing'}`,
        timeoutMs: 20_000,
      });
    }
    // Spread over the least loaded nodes: one pod each.
    expect(new Set(pods.map((p) => p.spec.nodeName)).size).toBe(3);
  });
});
