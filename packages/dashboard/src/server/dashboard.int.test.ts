// The BFF against a real SQLite store on a temp file: slim node and job
// lists, a job's per-node flows, confirm writing the annotation, errors, and
// the SSE stream announcing a store write.
import { request } from 'node:http';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '@kedge/runtime';
import { createObserved, mutate, openSqliteStore, type ResourceStore } from '@kedge/store';
import { tempDir, waitFor, type TempDir } from '@kedge/testing';
import {
  startDashboard,
  type Dashboard,
  type JobDetail,
  type JobItem,
  type ListPage,
  type NodeItem,
} from '../index.ts';
import { CONFIRM_ANNOTATION, createUpgradeJob, makeNode, waitingEntries } from '../../test/fixtures.ts';

let dir: TempDir;
let store: ResourceStore;
let dashboard: Dashboard;

beforeEach(async () => {
  dir = await tempDir('kedge-dashboard-');
  store = openSqliteStore({ path: join(dir.path, 'kedge.db'), pollIntervalMs: 10 });
  await createObserved(store, 'Node', makeNode('edge-1', true));
  await createObserved(store, 'Node', makeNode('edge-2', false, 'cloudcore-b'));
  await createUpgradeJob(store, 'upgrade-fleet', waitingEntries());
  const prePull = await store.create('ImagePrePullJob', {
    apiVersion: 'operations.kubeedge.io/v1alpha2',
    kind: 'ImagePrePullJob',
    metadata: { name: 'pull-busybox' },
    spec: { imagePrePullTemplate: { images: ['busybox:1.36'], nodeNames: ['edge-1'] } },
  });
  await store.updateStatus('ImagePrePullJob', {
    ...prePull,
    status: {
      phase: 'Completed',
      progress: '1/1 done, 0 failed',
      nodeStatus: [
        {
          nodeName: 'edge-1',
          phase: 'Successful',
          actionFlow: [
            { action: 'Check', status: 'True', time: '2026-01-02T03:05:00Z' },
            { action: 'PrePull', status: 'True', time: '2026-01-02T03:05:09Z' },
          ],
          imageStatus: [{ image: 'busybox:1.36', status: 'True' }],
        },
      ],
    },
  });
  dashboard = await startDashboard({
    store,
    host: '127.0.0.1',
    port: 0,
    log: createLogger({ name: 'test', level: 'silent' }),
    coalesceMs: 50,
  });
});

afterEach(async () => {
  await dashboard.stop();
  await store.close();
  await dir.cleanup();
});

interface Reply<T> {
  status: number;
  body: T;
}
type ErrorBody = { code: string; message: string };

async function get<T = ErrorBody>(path: string): Promise<Reply<T>> {
  const res = await fetch(dashboard.url + path);
  return { status: res.status, body: (await res.json()) as T };
}

async function post<T = ErrorBody>(
  path: string,
  body: unknown,
  type = 'application/json',
): Promise<Reply<T>> {
  const res = await fetch(dashboard.url + path, {
    method: 'POST',
    headers: { 'content-type': type },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as T };
}

describe('dashboard BFF', () => {
  it('lists nodes as slim items with readiness, reason, version and owner', async () => {
    const { status, body } = await get<ListPage<NodeItem>>('/api/v1/nodes');
    expect(status).toBe(200);
    expect(body).toMatchObject({ total: 2, page: 1, pageSize: 20, hasNext: false });
    expect(body.items).toEqual([
      {
        name: 'edge-1',
        ready: 'True',
        reason: 'EdgeReady: edgecore is connected',
        version: 'v1.21.0',
        owner: 'cloudcore-a',
        labels: { 'node-role.kubernetes.io/edge': '' },
        lastHeartbeat: '2026-01-02T03:04:05Z',
        created: expect.any(String) as unknown,
      },
      expect.objectContaining({
        name: 'edge-2',
        ready: 'False',
        reason: 'EdgeDisconnected: no heartbeat for 40s',
        owner: 'cloudcore-b',
      }),
    ]);
  });

  it('pages, filters and sorts lists as the KubeEdge BFF does', async () => {
    const paged = await get<ListPage<NodeItem>>('/api/v1/nodes?page=2&pageSize=1');
    expect(paged.body).toMatchObject({
      total: 2,
      page: 2,
      pageSize: 1,
      hasNext: false,
      items: [{ name: 'edge-2' }],
    });
    const filtered = await get<ListPage<NodeItem>>('/api/v1/nodes?filter=ready:False');
    expect(filtered.body.items.map((n) => n.name)).toEqual(['edge-2']);
    const prefix = await get<ListPage<JobItem>>('/api/v1/jobs?filter=name:pull-*');
    expect(prefix.body.items.map((j) => j.name)).toEqual(['pull-busybox']);
    const sorted = await get<ListPage<NodeItem>>('/api/v1/nodes?sort=name&order=desc');
    expect(sorted.body.items.map((n) => n.name)).toEqual(['edge-2', 'edge-1']);
    const bad = await get('/api/v1/nodes?filter=nope:x');
    expect(bad).toEqual({
      status: 400,
      body: {
        code: 'KEDGE_HTTP_BAD_REQUEST',
        message: expect.stringContaining('unknown field "nope"') as unknown,
      },
    });
    expect((await get('/api/v1/nodes?pageSize=500')).status).toBe(400);
  });

  it('lists jobs of every kind with phase, progress and counts by node phase', async () => {
    const { body } = await get<ListPage<JobItem>>('/api/v1/jobs');
    const byName = Object.fromEntries(body.items.map((j) => [j.name, j]));
    expect(byName['upgrade-fleet']).toMatchObject({
      kind: 'NodeUpgradeJob',
      phase: 'InProgress',
      progress: '0/2 done, 0 failed',
      nodes: 2,
      counts: { InProgress: 1, Pending: 1 },
    });
    expect(byName['pull-busybox']).toMatchObject({
      kind: 'ImagePrePullJob',
      phase: 'Completed',
      counts: { Successful: 1 },
    });
  });

  it('shows a job with per-node action flow, image status and who awaits confirmation', async () => {
    const upgrade = await get<JobDetail>('/api/v1/jobs/NodeUpgradeJob/upgrade-fleet');
    expect(upgrade.status).toBe(200);
    expect(upgrade.body.requireConfirmation).toBe(true);
    expect(upgrade.body.nodeStatus[0]).toMatchObject({
      nodeName: 'edge-1',
      phase: 'InProgress',
      dispatchedBy: 'cloudcore-a',
      awaitingConfirmation: true,
      actionFlow: [{ action: 'Check', status: 'True', time: '2026-01-02T03:05:00Z' }],
    });
    expect(upgrade.body.nodeStatus[1]).toMatchObject({ nodeName: 'edge-2', awaitingConfirmation: false });
    const pull = await get<JobDetail>('/api/v1/jobs/ImagePrePullJob/pull-busybox');
    expect(pull.body.nodeStatus[0]?.imageStatus).toEqual([{ image: 'busybox:1.36', status: 'True' }]);
  });

  it('reads the confirm annotation as the cloud does: "*" anywhere in the list confirms every node', async () => {
    // cloudcore sends Confirm to every node of this job (confirmationGiven); the page must not
    // still offer to confirm one of them.
    await mutate(store, 'NodeUpgradeJob', 'upgrade-fleet', (job) => {
      job.metadata.annotations = { ...job.metadata.annotations, [CONFIRM_ANNOTATION]: 'edge-2, *' };
      return job;
    });
    // The BFF reads from its cache: wait until it holds the annotation (edge-2 is named outright).
    const upgrade = await waitFor(
      async () => {
        const got = await get<JobDetail>('/api/v1/jobs/NodeUpgradeJob/upgrade-fleet');
        return got.body.confirm === 'edge-2, *' ? got : undefined;
      },
      { what: 'the annotated job in the BFF' },
    );
    expect(upgrade.body.nodeStatus.map((n) => [n.nodeName, n.confirmed, n.awaitingConfirmation])).toEqual([
      ['edge-1', true, false],
      ['edge-2', true, false],
    ]);
    const merged = await post<JobDetail>('/api/v1/jobs/NodeUpgradeJob/upgrade-fleet/confirm', {
      nodes: ['edge-1'],
    });
    expect(merged.status).toBe(200);
    expect(
      (await store.get('NodeUpgradeJob', 'upgrade-fleet'))?.metadata.annotations?.[CONFIRM_ANNOTATION],
    ).toBe('*');
  });

  it('confirm sets the job annotation, merges node names, and refuses what it cannot do', async () => {
    const done = await post<JobDetail>('/api/v1/jobs/NodeUpgradeJob/upgrade-fleet/confirm', {
      nodes: ['edge-1'],
    });
    expect(done.status).toBe(200);
    expect(done.body.nodeStatus[0]).toMatchObject({ awaitingConfirmation: false, confirmed: true });
    expect(
      (await store.get('NodeUpgradeJob', 'upgrade-fleet'))?.metadata.annotations?.[CONFIRM_ANNOTATION],
    ).toBe('edge-1');
    await post('/api/v1/jobs/NodeUpgradeJob/upgrade-fleet/confirm', { nodes: ['edge-2'] });
    expect(
      (await store.get('NodeUpgradeJob', 'upgrade-fleet'))?.metadata.annotations?.[CONFIRM_ANNOTATION],
    ).toBe('edge-1,edge-2');
    await post('/api/v1/jobs/NodeUpgradeJob/upgrade-fleet/confirm', { nodes: '*' });
    expect(
      (await store.get('NodeUpgradeJob', 'upgrade-fleet'))?.metadata.annotations?.[CONFIRM_ANNOTATION],
    ).toBe('*');

    expect(await post('/api/v1/jobs/NodeUpgradeJob/upgrade-fleet/confirm', { nodes: ['edge-9'] })).toEqual({
      status: 400,
      body: {
        code: 'KEDGE_HTTP_BAD_REQUEST',
        message: 'nodes: edge-9 not part of NodeUpgradeJob "upgrade-fleet"',
      },
    });
    expect((await post('/api/v1/jobs/NodeUpgradeJob/upgrade-fleet/confirm', { nodes: [] })).status).toBe(400);
    expect(
      (await post('/api/v1/jobs/NodeUpgradeJob/upgrade-fleet/confirm', { nodes: '*' }, 'text/plain')).body,
    ).toMatchObject({ code: 'KEDGE_HTTP_UNSUPPORTED_MEDIA_TYPE' });
    expect((await post('/api/v1/jobs/ImagePrePullJob/pull-busybox/confirm', { nodes: '*' })).status).toBe(
      400,
    );
    expect((await post('/api/v1/jobs/NodeUpgradeJob/nope/confirm', { nodes: '*' })).status).toBe(404);
  });

  it('answers unknown routes, kinds and jobs with 404/400 and wrong methods with 405', async () => {
    expect(await get('/api/v1/jobs/NodeUpgradeJob/nope')).toEqual({
      status: 404,
      body: { code: 'KEDGE_STORE_NOT_FOUND', message: 'NodeUpgradeJob "nope" not found' },
    });
    expect((await get('/api/v1/jobs/Pod/x')).status).toBe(400);
    expect((await get('/api/v1/whatever')).body.code).toBe('KEDGE_HTTP_NOT_FOUND');
    expect((await get('/nope.html')).status).toBe(404);
    const wrong = await fetch(`${dashboard.url}/api/v1/nodes`, { method: 'DELETE' });
    expect(wrong.status).toBe(405);
    expect(((await wrong.json()) as { code: string }).code).toBe('KEDGE_HTTP_METHOD_NOT_ALLOWED');
    expect((await get('/api/v1/jobs/NodeUpgradeJob/upgrade-fleet/confirm')).status).toBe(405);
  });

  it('serves the web UI', async () => {
    const page = await fetch(`${dashboard.url}/`);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(await page.text()).toContain('<script type="module" src="/app.js">');
    const script = await fetch(`${dashboard.url}/app.js`);
    expect(script.headers.get('content-type')).toMatch(/text\/javascript/);
  });

  it('streams a change event after a store write', async () => {
    const abort = new AbortController();
    const res = await fetch(`${dashboard.url}/api/v1/events`, { signal: abort.signal });
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    const readUntil = async (needle: string): Promise<void> => {
      while (!text.includes(needle)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`stream ended before ${needle}: ${text}`);
        text += value;
      }
    };
    await readUntil('event: ready');
    await mutate(store, 'Node', 'edge-2', (n) => ({
      ...n,
      metadata: { ...n.metadata, labels: { zone: 'z0' } },
    }));
    await readUntil('event: change');
    await readUntil('\n\n');
    const frame = text.slice(text.indexOf('event: change'));
    const data = JSON.parse(frame.split('\n')[1]!.slice('data: '.length)) as { changes: unknown[] };
    expect(data.changes).toEqual([{ kind: 'Node', name: 'edge-2', type: 'MODIFIED' }]);
    const nodes = await get<ListPage<NodeItem>>('/api/v1/nodes?filter=name:edge-2');
    expect(nodes.body.items[0]?.labels).toEqual({ zone: 'z0' });
    abort.abort();
  });
  it('coalesces a burst of writes into at most a few change events', async () => {
    const slow = await startDashboard({
      store,
      log: createLogger({ name: 'test', level: 'silent' }),
      coalesceMs: 400,
    });
    const abort = new AbortController();
    try {
      const res = await fetch(`${slow.url}/api/v1/events`, { signal: abort.signal });
      const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
      let text = '';
      while (!text.includes('event: ready')) text += (await reader.read()).value ?? '';
      for (let i = 0; i < 10; i++) {
        await mutate(store, 'Node', 'edge-1', (n) => ({
          ...n,
          metadata: { ...n.metadata, labels: { step: `${i}` } },
        }));
      }
      const deadline = Date.now() + 1500;
      while (Date.now() < deadline) {
        const chunk = await Promise.race([
          reader.read(),
          new Promise<undefined>((r) => setTimeout(() => r(undefined), Math.max(0, deadline - Date.now()))),
        ]);
        if (chunk?.value) text += chunk.value;
      }
      const frames = text.split('event: change').length - 1;
      expect(frames).toBeGreaterThanOrEqual(1);
      expect(frames).toBeLessThanOrEqual(3);
    } finally {
      abort.abort();
      await slow.stop();
    }
  });
});

/** A request with the exact Host, Origin and content type given (fetch does not let a test set Host). */
function raw(
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<Reply<ErrorBody>> {
  const u = new URL(dashboard.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, method, path, headers, setHost: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({
          status: res.statusCode ?? 0,
          body: (text.startsWith('{') ? JSON.parse(text) : {}) as ErrorBody,
        });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('dashboard request guard (DNS rebinding, cross-site writes)', () => {
  const own = () => new URL(dashboard.url).host;
  const port = () => new URL(dashboard.url).port;

  it('answers its own Host and localhost, and refuses any other name with 403', async () => {
    expect((await raw('GET', '/api/v1/nodes', { host: own() })).status).toBe(200);
    expect((await raw('GET', '/api/v1/nodes', { host: `localhost:${port()}` })).status).toBe(200);
    for (const host of [`evil.example:${port()}`, 'evil.example', `127.0.0.1:${Number(port()) + 1}`, '']) {
      const reply = await raw('GET', '/api/v1/nodes', { host });
      expect(reply, host).toEqual({
        status: 403,
        body: {
          code: 'KEDGE_HTTP_HOST_FORBIDDEN',
          message: expect.stringContaining('is not this dashboard') as string,
        },
      });
    }
    expect((await raw('GET', '/', { host: `evil.example:${port()}` })).status).toBe(403);
  });

  it('refuses a confirm from another origin or without JSON, and accepts its own page or a CLI', async () => {
    const path = '/api/v1/jobs/NodeUpgradeJob/upgrade-fleet/confirm';
    const body = JSON.stringify({ nodes: '*' });
    const json = { 'content-type': 'application/json' };
    const evil = await raw('POST', path, { host: own(), origin: 'http://evil.example', ...json }, body);
    expect(evil.status).toBe(403);
    expect(evil.body.code).toBe('KEDGE_HTTP_ORIGIN_FORBIDDEN');
    const nullOrigin = await raw('POST', path, { host: own(), origin: 'null', ...json }, body);
    expect(nullOrigin.body.code).toBe('KEDGE_HTTP_ORIGIN_FORBIDDEN');
    const text = await raw('POST', path, { host: own(), 'content-type': 'text/plain' }, body);
    expect(text).toMatchObject({ status: 415, body: { code: 'KEDGE_HTTP_UNSUPPORTED_MEDIA_TYPE' } });
    const job = await store.get('NodeUpgradeJob', 'upgrade-fleet');
    expect(job?.metadata.annotations?.[CONFIRM_ANNOTATION]).toBeUndefined();

    const fromPage = await raw('POST', path, { host: own(), origin: `http://${own()}`, ...json }, body);
    expect(fromPage.status).toBe(200);
    const fromCli = await raw('POST', path, { host: own(), ...json }, body);
    expect(fromCli.status).toBe(200);
  });

  it('answers a malformed percent-escape with a coded 400, not 500', async () => {
    expect(await raw('GET', '/api/v1/%ZZ', { host: own() })).toEqual({
      status: 400,
      body: {
        code: 'KEDGE_HTTP_BAD_REQUEST',
        message: expect.stringContaining('malformed percent-escape') as string,
      },
    });
    expect((await raw('GET', '/api/v1/jobs/NodeUpgradeJob/%E0%A4%A', { host: own() })).status).toBe(400);
  });
});
