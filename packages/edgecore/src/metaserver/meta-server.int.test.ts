import { stat } from 'node:fs/promises';
import { request } from 'node:http';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hasCode } from '@kedge/api';
import { Bus } from '@kedge/beehive';
import { createLogger } from '@kedge/runtime';
import { tempDir, type TempDir } from '@kedge/testing';
import { openEdgeDatabase } from '../database/index.ts';
import { MetaCache } from '../metamanager/index.ts';
import { startMetaHarness, type MetaHarness } from '../../test/meta-harness.ts';
import { MetaServer } from './meta-server.ts';

const pod = (ns: string, name: string) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: ns, resourceVersion: '3' },
  spec: { containers: [{ name: 'c', image: 'busybox' }] },
});

describe('metaServer', () => {
  let dir: TempDir;
  let h: MetaHarness;

  beforeEach(async () => {
    dir = await tempDir('kedge-metaserver-');
    h = await startMetaHarness(join(dir.path, 'edgecore.db'), { nodeName: 'edge-7' });
  });
  afterEach(async () => {
    await h.stop();
    await dir.cleanup();
  });

  it('listens on loopback and reports health whatever the cloud state', async () => {
    expect(h.server.address()).toMatchObject({ host: '127.0.0.1' });
    expect(h.server.address()?.port).toBeGreaterThan(0);
    const health = await h.http('/healthz');
    expect(health.status).toBe(200);
    expect(health.headers.get('content-type')).toBe('application/json');
    expect(health.body).toEqual({
      status: 'ok',
      cloudConnected: false,
      nodeName: 'edge-7',
      version: 'v0.1.0-test',
    });
  });

  it('is ready only while connected to the cloud', async () => {
    expect((await h.http('/readyz')).status).toBe(503);
    expect((await h.http('/readyz')).body).toMatchObject({
      cloudConnected: false,
      reason: 'not connected to the cloud',
    });
    await h.setCloudConnected(true);
    expect(await h.http('/readyz')).toMatchObject({
      status: 200,
      body: { status: 'ready', cloudConnected: true },
    });
    const health = (await h.http('/healthz')).body as { cloudConnected: boolean; lastConnectedAt: string };
    expect(health.cloudConnected).toBe(true);
    expect(Date.parse(health.lastConnectedAt)).toBeGreaterThan(Date.now() - 60_000);
    await h.setCloudConnected(false);
    expect((await h.http('/readyz')).status).toBe(503);
    expect((await h.http('/healthz')).status).toBe(200);
  });

  it('serves cached objects and lists by Kubernetes paths', async () => {
    await h.fromCloud('insert', 'default/pod/web', pod('default', 'web'));
    await h.fromCloud('insert', 'default/pod/api', pod('default', 'api'));
    await h.fromCloud('insert', 'kube-system/pod/dns', pod('kube-system', 'dns'));
    await h.fromCloud('insert', 'default/secret/s', { kind: 'Secret', metadata: { name: 's' }, data: {} });
    await h.fromCloud('insert', 'null/node/edge-7', { kind: 'Node', metadata: { name: 'edge-7' } });

    expect(await h.http('/api/v1/namespaces/default/pods/web')).toMatchObject({
      status: 200,
      body: pod('default', 'web'),
    });
    const list = await h.http('/api/v1/namespaces/default/pods');
    expect(list.body).toMatchObject({ kind: 'PodList', apiVersion: 'v1' });
    expect(
      (list.body as { items: { metadata: { name: string } }[] }).items.map((p) => p.metadata.name),
    ).toEqual(['api', 'web']);
    const all = (await h.http('/api/v1/pods')).body as { items: unknown[] };
    expect(all.items).toHaveLength(3);
    const bearer = { authorization: `Bearer ${h.token()}` };
    expect((await h.http('/api/v1/namespaces/default/secrets/s', { headers: bearer })).status).toBe(200);
    expect(await h.http('/api/v1/nodes/edge-7')).toMatchObject({ status: 200, body: { kind: 'Node' } });
    expect((await h.http('/api/v1/nodes')).body).toMatchObject({
      kind: 'NodeList',
      items: [{ kind: 'Node' }],
    });
  });

  it('lists the EndpointSlices the node was sent (as filtered for it) by their discovery.k8s.io path', async () => {
    const slice = { kind: 'EndpointSlice', metadata: { name: 'web', namespace: 'default' }, endpoints: [] };
    await h.fromCloud('insert', 'default/endpointslice/web', slice);
    expect((await h.http('/apis/discovery.k8s.io/v1/namespaces/default/endpointslices')).body).toMatchObject({
      kind: 'EndpointSliceList',
      apiVersion: 'discovery.k8s.io/v1',
      items: [slice],
    });
  });

  it('answers 404 with a Status naming what was not found', async () => {
    const pod404 = await h.http('/api/v1/namespaces/default/pods/ghost');
    expect(pod404.status).toBe(404);
    expect(pod404.body).toMatchObject({
      kind: 'Status',
      status: 'Failure',
      reason: 'NotFound',
      code: 404,
      message: 'pods "ghost" not found in namespace "default" in the edge cache',
      details: { name: 'ghost', kind: 'pods' },
    });
    expect((await h.http('/api/v1/nodes/nope')).body).toMatchObject({
      message: 'nodes "nope" not found in the edge cache',
    });
    const noRoute = await h.http('/metrics/whatever');
    expect(noRoute).toMatchObject({
      status: 404,
      body: { message: 'no endpoint GET /metrics/whatever on the edge metaServer' },
    });
    const wrongMethod = await h.http('/healthz', { method: 'DELETE' });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('GET');
  });

  it('serves routes other modules register, with JSON bodies', async () => {
    const confirmed: unknown[] = [];
    h.server.registerRoute('POST', '/api/v1/taskupgrade/confirm-upgrade', (req) => {
      confirmed.push(req.body);
      return { status: 200, body: { confirmed: true } };
    });
    const ok = await h.http('/api/v1/taskupgrade/confirm-upgrade', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ job: 'upgrade-1' }),
    });
    expect(ok).toMatchObject({ status: 200, body: { confirmed: true } });
    expect(confirmed).toEqual([{ job: 'upgrade-1' }]);

    const bad = await h.http('/api/v1/taskupgrade/confirm-upgrade', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{not json',
    });
    expect(bad.status).toBe(400);
    expect((bad.body as { message: string }).message).toMatch(/^request body: not valid JSON/);
    expect(confirmed).toHaveLength(1);

    h.server.registerRoute('GET', '/api/v1/taskupgrade/fails', () => {
      throw new Error('disk on fire');
    });
    expect(await h.http('/api/v1/taskupgrade/fails')).toMatchObject({
      status: 500,
      body: { reason: 'InternalError', message: 'disk on fire' },
    });
  });

  it('serves Secrets only with the bearer token from the 0600 token file', async () => {
    await h.fromCloud('insert', 'kube-system/secret/pull', {
      kind: 'Secret',
      metadata: { name: 'pull', namespace: 'kube-system' },
      data: { '.dockerconfigjson': 'c2VjcmV0' },
    });
    const file = join(dir.path, 'metaserver.token');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    for (const path of [
      '/api/v1/namespaces/kube-system/secrets/pull',
      '/api/v1/namespaces/kube-system/secrets',
      '/api/v1/secrets',
      '/apis/x.io/v1/secrets/pull',
    ]) {
      const anonymous = await h.http(path);
      expect(anonymous.status, path).toBe(401);
      expect(anonymous.body).toMatchObject({
        reason: 'Unauthorized',
        details: { causes: [{ reason: 'KEDGE_METASERVER_UNAUTHORIZED' }] },
      });
      expect(JSON.stringify(anonymous.body)).not.toContain('c2VjcmV0');
    }
    const wrong = await h.http('/api/v1/secrets', { headers: { authorization: 'Bearer not-the-token' } });
    expect((wrong.body as { message: string }).message).toMatch(/not the current one/);
    const ok = await h.http('/api/v1/namespaces/kube-system/secrets/pull', {
      headers: { authorization: `Bearer ${h.token()}` },
    });
    expect(ok).toMatchObject({ status: 200, body: { data: { '.dockerconfigjson': 'c2VjcmV0' } } });
  });

  it('refuses foreign Host and Origin headers and writes that are not JSON, with coded errors', async () => {
    const { port } = h.server.address()!;
    const confirmed: unknown[] = [];
    h.server.registerRoute('POST', '/api/v1/things', (req) => {
      confirmed.push(req.body);
      return { status: 200, body: {} };
    });
    const raw = (headers: Record<string, string>, method = 'GET', path = '/healthz', body?: string) =>
      rawRequest(port, method, path, headers, body);

    expect((await raw({ host: `127.0.0.1:${port}` })).status).toBe(200);
    expect((await raw({ host: `localhost:${port}` })).status).toBe(200);
    const rebinding = await raw({ host: `evil.example:${port}` });
    expect(rebinding.status).toBe(403);
    expect(rebinding.body).toMatchObject({
      details: { causes: [{ reason: 'KEDGE_METASERVER_HOST_FORBIDDEN' }] },
    });
    expect((await raw({ host: '127.0.0.1:1' })).status).toBe(403);

    const page = await raw(
      { host: `127.0.0.1:${port}`, origin: 'http://evil.example', 'content-type': 'application/json' },
      'POST',
      '/api/v1/things',
      '{}',
    );
    expect(page.status).toBe(403);
    expect(page.body).toMatchObject({
      details: { causes: [{ reason: 'KEDGE_METASERVER_ORIGIN_FORBIDDEN' }] },
    });
    const textPlain = await raw(
      { host: `127.0.0.1:${port}`, 'content-type': 'text/plain' },
      'POST',
      '/api/v1/things',
      '{}',
    );
    expect(textPlain.status).toBe(415);
    expect((textPlain.body as { message: string }).message).toContain('application/json');
    expect(confirmed).toEqual([]);
    const sameOrigin = await raw(
      {
        host: `127.0.0.1:${port}`,
        origin: `http://127.0.0.1:${port}`,
        'content-type': 'application/json; charset=utf-8',
      },
      'POST',
      '/api/v1/things',
      '{"a":1}',
    );
    expect(sameOrigin.status).toBe(200);
    expect(confirmed).toEqual([{ a: 1 }]);
  });

  it('stops listening when the bus stops', async () => {
    const { url } = h.server.address()!;
    await h.bus.stop();
    expect(h.server.address()).toBeUndefined();
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });
});

describe('metaServer configuration', () => {
  it('refuses to listen beyond loopback', async () => {
    await using dir = await tempDir('kedge-metaserver-cfg-');
    const edb = openEdgeDatabase(join(dir.path, 'edgecore.db'));
    try {
      const cache = new MetaCache({ db: edb.db });
      expect(() => new MetaServer({ cache, server: '0.0.0.0:10550', nodeName: 'n', version: 'v' })).toThrow(
        /modules\.metaManager\.metaServer\.server: "0\.0\.0\.0" is not a loopback address/,
      );
    } finally {
      edb.close();
    }
  });

  it('reports a port already in use through listening()', async () => {
    await using dir = await tempDir('kedge-metaserver-busy-');
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    const edb = openEdgeDatabase(join(dir.path, 'edgecore.db'));
    const bus = new Bus({ log: createLogger({ name: 'test', level: 'silent' }) });
    try {
      const server = new MetaServer({
        cache: new MetaCache({ db: edb.db }),
        server: `127.0.0.1:${port}`,
        nodeName: 'n',
        version: 'v',
      });
      bus.register(server);
      await bus.start();
      const err: unknown = await server.listening().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(hasCode(err, 'KEDGE_LISTEN_FAILED')).toBe(true);
      expect((err as Error).message).toContain(`metaServer cannot listen on 127.0.0.1:${port}`);
    } finally {
      await bus.stop();
      edb.close();
      await new Promise((resolve) => blocker.close(resolve));
    }
  });
});

/** fetch() will not send a foreign Host header; node:http will. */
function rawRequest(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: text ? (JSON.parse(text) as unknown) : undefined }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}
