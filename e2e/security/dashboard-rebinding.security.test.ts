// Finding 9 of issue 8: the dashboard never checked Host or Origin, so a page
// on any site that rebinds its DNS name to 127.0.0.1 could read every node and
// job and confirm upgrades; `GET /api/v1/%ZZ` answered 500. Against the real
// dashboard process over an embedded store: the rebinding page and a
// cross-site page are refused with codes, the job is not confirmed, a bad
// escape is a 400, and the dashboard's own address still works.
import { request } from 'node:http';
import { join } from 'node:path';
import { CONFIRM_ANNOTATION } from '@kedge/api';
import { openSqliteStore, type ResourceStore } from '@kedge/store';
import { startProcess, tempDir, type ManagedProcess, type TempDir } from '@kedge/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

interface Answer {
  status: number;
  code: string | undefined;
}

describe('security: the dashboard refuses DNS-rebinding and cross-site requests', () => {
  let dir: TempDir;
  let store: ResourceStore;
  let dashboard: ManagedProcess;
  let address: URL;

  const send = (method: string, path: string, headers: Record<string, string>, body?: string) =>
    new Promise<Answer>((resolve, reject) => {
      const req = request(
        { host: address.hostname, port: address.port, method, path, headers, setHost: false },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            const code = text.startsWith('{') ? (JSON.parse(text) as { code?: string }).code : undefined;
            resolve({ status: res.statusCode ?? 0, code });
          });
        },
      );
      req.on('error', reject);
      req.end(body);
    });

  beforeAll(async () => {
    dir = await tempDir('kedge-sec-dashboard-');
    const path = join(dir.path, 'kedge.db');
    store = openSqliteStore({ path });
    await store.create('NodeUpgradeJob', {
      apiVersion: 'operations.kubeedge.io/v1alpha2',
      kind: 'NodeUpgradeJob',
      metadata: { name: 'upgrade-fleet' },
      spec: { version: 'v1.21.0', nodeNames: ['edge-1'], requireConfirmation: true },
    } as never);
    dashboard = startProcess({
      name: 'dashboard',
      args: ['packages/dashboard/src/main.ts', '--store', path],
    });
    const line = await dashboard.waitForLine(/dashboard listening on (http:\S+)/, 30_000);
    address = new URL(/(http:\S+)/.exec(line)![1]!);
  });

  afterAll(async () => {
    await dashboard?.kill();
    await store?.close();
    await dir?.cleanup();
  });

  it('refuses reads and a confirm through a rebound name; the job stays unconfirmed', async () => {
    const rebound = `evil.example:${address.port}`;
    expect(await send('GET', '/api/v1/nodes', { host: rebound })).toEqual({
      status: 403,
      code: 'KEDGE_HTTP_HOST_FORBIDDEN',
    });
    expect((await send('GET', '/api/v1/jobs', { host: rebound })).status).toBe(403);
    const confirm = await send(
      'POST',
      '/api/v1/jobs/NodeUpgradeJob/upgrade-fleet/confirm',
      { host: rebound, origin: `http://${rebound}`, 'content-type': 'application/json' },
      JSON.stringify({ nodes: '*' }),
    );
    expect(confirm).toEqual({ status: 403, code: 'KEDGE_HTTP_HOST_FORBIDDEN' });
    const job = await store.get('NodeUpgradeJob', 'upgrade-fleet');
    expect(job?.metadata.annotations?.[CONFIRM_ANNOTATION]).toBeUndefined();
  });

  it('refuses a cross-site confirm, with or without JSON', async () => {
    for (const type of ['text/plain', 'application/json']) {
      const answer = await send(
        'POST',
        '/api/v1/jobs/NodeUpgradeJob/upgrade-fleet/confirm',
        { host: address.host, origin: 'http://evil.example', 'content-type': type },
        JSON.stringify({ nodes: '*' }),
      );
      expect(answer).toEqual({ status: 403, code: 'KEDGE_HTTP_ORIGIN_FORBIDDEN' });
    }
    const job = await store.get('NodeUpgradeJob', 'upgrade-fleet');
    expect(job?.metadata.annotations?.[CONFIRM_ANNOTATION]).toBeUndefined();
  });

  it('answers a malformed escape with 400 and still serves its own address', async () => {
    expect(await send('GET', '/api/v1/%ZZ', { host: address.host })).toEqual({
      status: 400,
      code: 'KEDGE_HTTP_BAD_REQUEST',
    });
    expect((await send('GET', '/api/v1/jobs', { host: address.host })).status).toBe(200);
    expect(dashboard.stderr()).not.toMatch(/URIError/);
  });
});
