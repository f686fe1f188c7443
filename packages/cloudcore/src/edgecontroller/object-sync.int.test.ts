// Object sync end to end on the real embedded SQLite store, real CloudCore
// replicas and a raw edge: what a node is sent, the ObjectSync records its
// acks leave, resume after a reconnect and after a cloudcore restart, and
// the node authorizer rule on queries and pod status.
import type { Pod } from '@kedge/api';
import { openSqliteStore, type ResourceStore } from '@kedge/store';
import { tempDir, waitFor, type TempDir } from '@kedge/testing';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { objectSyncName } from '../objectsync/object-sync-records.ts';
import { TEST_SECRET, startTestCloud, testLogger, type TestCloud } from '../../test/task-cloud.ts';
import { ObjectEdge } from '../../test/object-edge.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function pod(name: string, node: string, secret = 'db-password'): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'shop' },
    spec: {
      nodeName: node,
      // no ServiceAccount token: these tests count objects; tokens are tested in sa-tokens/ and e2e/security
      automountServiceAccountToken: false,
      containers: [
        {
          name: 'app',
          image: '127.0.0.1:5000/app:v1',
          env: [{ name: 'PASSWORD', valueFrom: { secretKeyRef: { name: secret, key: 'p' } } }],
          envFrom: [{ configMapRef: { name: 'settings' } }],
        },
      ],
    },
  };
}

const object = (kind: 'ConfigMap' | 'Secret', name: string, data: Record<string, string>) =>
  ({ apiVersion: 'v1', kind, metadata: { name, namespace: 'shop' }, data }) as never;

describe('object sync to edge nodes', () => {
  let dir: TempDir;
  let store: ResourceStore;
  let storePath: string;
  const clouds: TestCloud[] = [];
  const edges: ObjectEdge[] = [];
  const cloud = async () => {
    const c = await startTestCloud({ storePath, replicaId: 'cloudcore-a' });
    clouds.push(c);
    return c;
  };
  const edge = async (c: TestCloud, node: string, acking = true) => {
    const e = await ObjectEdge.connect(c.port, node, TEST_SECRET, acking);
    edges.push(e);
    return e;
  };
  const records = async (node: string) =>
    (await store.get('ConfigMap', objectSyncName(node), 'kubeedge'))?.data ?? {};

  beforeEach(async () => {
    dir = await tempDir('kedge-objectsync-');
    storePath = join(dir.path, 'kedge.db');
    store = openSqliteStore({ path: storePath, log: testLogger(), pollIntervalMs: 10 });
    await store.create('ConfigMap', object('ConfigMap', 'settings', { mode: 'prod' }));
    await store.create('Secret', object('Secret', 'db-password', { p: 'aHVudGVyMg==' }));
    await store.create('Secret', object('Secret', 'other-secret', { p: 'c2VjcmV0' }));
    await store.create('Pod', pod('web-1', 'edge-1'));
    await store.create('Pod', pod('api-1', 'edge-2', 'other-secret'));
  });
  afterEach(async () => {
    await Promise.all(edges.splice(0).map((e) => e.close()));
    await Promise.all(clouds.splice(0).map((c) => c.stop()));
    await store.close();
    await dir.cleanup();
  });

  it('sends a node its pod and the ConfigMap and Secret it uses, nothing of another node; acks become records', async () => {
    const c = await cloud();
    const e1 = await edge(c, 'edge-1');
    const sent = await e1.waitForObjects(3, 'pod, configmap and secret on edge-1');
    await sleep(300);
    expect(
      e1
        .objects()
        .map((s) => s.replace(/@\d+$/, ''))
        .sort(),
    ).toEqual(['insert shop/configmap/settings', 'insert shop/pod/web-1', 'insert shop/secret/db-password']);
    expect(JSON.stringify(e1.received)).not.toContain('other-secret');
    expect(JSON.stringify(e1.received)).not.toContain('api-1');
    const web = await store.get('Pod', 'web-1', 'shop');
    const recorded = await waitFor(
      async () => {
        const r = await records('edge-1');
        return Object.values(r).every((v) => !v.endsWith('/')) && Object.keys(r).length === 3 ? r : undefined;
      },
      { what: 'three acked records', timeoutMs: 5000 },
    );
    expect(recorded[web!.metadata.uid!]).toBe(`Pod/shop/web-1/${web!.metadata.resourceVersion}`);
    expect(sent).toHaveLength(3);
  });

  it('a reconnect sends nothing already acked, and an update made while away arrives after it', async () => {
    const c = await cloud();
    const first = await edge(c, 'edge-1');
    await first.waitForObjects(3, 'first sync');
    await waitFor(
      async () => Object.values(await records('edge-1')).every((v) => !v.endsWith('/')) || undefined,
      {
        what: 'acks recorded',
      },
    );
    await first.close();
    await sleep(200);
    const cm = await store.get('ConfigMap', 'settings', 'shop');
    const changed = await store.update('ConfigMap', { ...cm!, data: { mode: 'debug' } });
    const again = await edge(c, 'edge-1');
    await again.waitForObjects(1, 'the update made while away');
    await sleep(500);
    expect(again.objects()).toEqual([`update shop/configmap/settings@${changed.metadata.resourceVersion}`]);
  });

  it('after a cloudcore restart: resumes from the records, no re-send of acked versions, deletes delivered', async () => {
    const keep = pod('keep-1', 'edge-1');
    keep.spec.containers[0]!.env = [];
    await store.create('Pod', keep);
    const a = await cloud();
    const first = await edge(a, 'edge-1');
    await first.waitForObjects(4, 'first sync');
    await waitFor(
      async () => {
        const r = await records('edge-1');
        return (Object.keys(r).length === 4 && Object.values(r).every((v) => !v.endsWith('/'))) || undefined;
      },
      { what: 'acks recorded' },
    );
    await first.close();
    await clouds.splice(0)[0]!.stop();
    const web = await store.get('Pod', 'web-1', 'shop');
    await store.delete('Pod', 'web-1', 'shop');

    const b = await cloud();
    const back = await edge(b, 'edge-1');
    await back.waitForObjects(2, 'deletes of the pod and the Secret only it used');
    await sleep(500);
    // keep-1 and the ConfigMap it still uses were acked before the restart: not sent again.
    expect(back.objects().sort()).toEqual(['delete shop/pod/web-1', 'delete shop/secret/db-password']);
    const del = back.received.find((m) => m.route.resource === 'shop/pod/web-1');
    expect(del?.content).toEqual({ metadata: { name: 'web-1', namespace: 'shop', uid: web!.metadata.uid } });
    await waitFor(async () => Object.keys(await records('edge-1')).length === 2 || undefined, {
      what: 'acked deletes remove their records',
    });
  });

  it('an object sent but never acked, then deleted while cloudcore was down, is still deleted on the node', async () => {
    const a = await cloud();
    const silent = await edge(a, 'edge-1', false);
    await silent.waitForObjects(3, 'first sync, not acked');
    const pending = await records('edge-1');
    expect(Object.values(pending).every((v) => v.endsWith('/'))).toBe(true); // written before the send
    await silent.close();
    await clouds.splice(0)[0]!.stop();
    await store.delete('Pod', 'web-1', 'shop');
    const back = await edge(await cloud(), 'edge-1');
    await back.waitForObjects(3, 'deletes after the restart');
    expect(back.objects().sort()).toEqual([
      'delete shop/configmap/settings',
      'delete shop/pod/web-1',
      'delete shop/secret/db-password',
    ]);
  });

  it('a query for a Secret no pod of the node uses is refused; its own is answered', async () => {
    const c = await cloud();
    const e1 = await edge(c, 'edge-1');
    const own = await e1.request('query', 'shop/secret/db-password', null);
    expect(own.route.operation).toBe('response');
    expect((own.content as { data: unknown }).data).toEqual({ p: 'aHVudGVyMg==' });
    const stolen = await e1.request('query', 'shop/secret/other-secret', null);
    expect(stolen.route.operation).toBe('error');
    expect(stolen.content).toMatchObject({ code: 'KEDGE_NODE_FORBIDDEN' });
    expect(JSON.stringify(stolen)).not.toContain('c2VjcmV0');
  });

  it("pod status: stored for its own pod, refused for another node's pod, never regressed", async () => {
    const c = await cloud();
    const e1 = await edge(c, 'edge-1');
    const web = await store.get('Pod', 'web-1', 'shop');
    const api = await store.get('Pod', 'api-1', 'shop');
    const status = (restartCount: number) => ({
      phase: 'Running',
      containerStatuses: [
        {
          name: 'app',
          image: 'app',
          imageID: '',
          ready: true,
          restartCount,
          state: { running: { startedAt: '2026-12-03T01:00:00Z' } },
        },
      ],
    });
    const ok = await e1.request('update', 'shop/podstatus/web-1', {
      UID: web!.metadata.uid,
      Name: 'web-1',
      Status: status(2),
    });
    expect(ok.route.operation).toBe('response');
    expect((await store.get('Pod', 'web-1', 'shop'))?.status?.containerStatuses?.[0]?.restartCount).toBe(2);
    const older = await e1.request('update', 'shop/podstatus/web-1', {
      UID: web!.metadata.uid,
      Name: 'web-1',
      Status: status(1),
    });
    expect(older.route.operation).toBe('response');
    expect((await store.get('Pod', 'web-1', 'shop'))?.status?.containerStatuses?.[0]?.restartCount).toBe(2);
    const forged = await e1.request('update', 'shop/podstatus/api-1', {
      UID: api!.metadata.uid,
      Name: 'api-1',
      Status: status(0),
    });
    expect(forged.content).toMatchObject({ code: 'KEDGE_WIRE_IMPERSONATION' });
    expect((await store.get('Pod', 'api-1', 'shop'))?.status).toBeUndefined();
  });
});
