// Finding 6 (issue 8): the edge metaServer trusted anyone local. A web page
// confirmed a waiting upgrade with a text/plain POST from its own origin, and
// a local user or a DNS-rebinding page read a Secret the cloud had pushed.
// Now: Host must be this server's loopback address, cross-origin requests
// are refused, writes must be JSON, and confirmation and Secrets need the
// bearer token from the 0600 token file that only root (keadm) can read.
import { statSync } from 'node:fs';
import { request } from 'node:http';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { keadm } from '@kedge/localup';
import { waitFor } from '@kedge/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actionsOf, UpgradeFleet } from '../node-tasks/upgrade-fleet.ts';

const CONFIRM = '/api/v1/taskupgrade/confirm-upgrade';
const SECRET_PATH = '/api/v1/namespaces/kube-system/secrets/registry-pull';
const SECRET_DATA = 'cm9vdDpodW50ZXIy';

interface Reply {
  status: number;
  text: string;
  code: string | undefined;
}

/** A request as a browser or a local program can send it (node:http sends any Host / Origin). */
function send(port: number, method: string, path: string, headers: Record<string, string>, body?: string) {
  return new Promise<Reply>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => {
        let code: string | undefined;
        try {
          code = (JSON.parse(text) as { details?: { causes?: { reason?: string }[] } }).details?.causes?.[0]
            ?.reason;
        } catch {
          code = undefined;
        }
        resolve({ status: res.statusCode ?? 0, text, code });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('edge metaServer: local web pages and users', () => {
  const fleet = new UpgradeFleet();
  let port = 0;
  let host = '';

  beforeAll(async () => {
    await fleet.start();
    await fleet.addEdges(['ms-1']);
    port = fleet.edge('ms-1').metaServerPort;
    host = `127.0.0.1:${port}`;
    // A pull Secret in the edge cache, as the cloud pushes it for an ImagePrePullJob.
    const db = new Database(fleet.edge('ms-1').dbPath);
    try {
      const secret = {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'registry-pull', namespace: 'kube-system' },
        data: { '.dockerconfigjson': SECRET_DATA },
      };
      db.prepare('INSERT INTO meta (key, type, value, resource_version) VALUES (?, ?, ?, ?)').run(
        'kube-system/secret/registry-pull',
        'secret',
        JSON.stringify(secret),
        '1',
      );
    } finally {
      db.close();
    }
    await fleet.createJob('confirm-me', { nodeNames: ['ms-1'], requireConfirmation: true });
    await waitFor(
      async () =>
        (await fleet.job('confirm-me'))?.status?.nodeStatus?.[0]?.reason?.includes(
          'waiting for confirmation',
        ),
      { what: 'ms-1 waiting for confirmation' },
    );
  });
  afterAll(() => fleet.close());

  it('a page from another origin cannot confirm an upgrade (text/plain or JSON)', async () => {
    const page = { host, origin: 'http://evil.example' };
    const plain = await send(port, 'POST', CONFIRM, { ...page, 'content-type': 'text/plain' }, '{}');
    expect(plain).toMatchObject({ status: 403, code: 'KEDGE_METASERVER_ORIGIN_FORBIDDEN' });
    const json = await send(port, 'POST', CONFIRM, { ...page, 'content-type': 'application/json' }, '{}');
    expect(json).toMatchObject({ status: 403, code: 'KEDGE_METASERVER_ORIGIN_FORBIDDEN' });
    const rebound = await send(
      port,
      'POST',
      CONFIRM,
      { host: `evil.example:${port}`, 'content-type': 'application/json' },
      '{}',
    );
    expect(rebound).toMatchObject({ status: 403, code: 'KEDGE_METASERVER_HOST_FORBIDDEN' });
  });

  it('a local user without the token cannot confirm; a text/plain write is refused first', async () => {
    const plain = await send(port, 'POST', CONFIRM, { host, 'content-type': 'text/plain' }, '{}');
    expect(plain).toMatchObject({ status: 415, code: 'KEDGE_METASERVER_UNSUPPORTED_MEDIA_TYPE' });
    const anonymous = await send(port, 'POST', CONFIRM, { host, 'content-type': 'application/json' }, '{}');
    expect(anonymous).toMatchObject({ status: 401, code: 'KEDGE_METASERVER_UNAUTHORIZED' });
    const guessed = await send(
      port,
      'POST',
      CONFIRM,
      { host, 'content-type': 'application/json', authorization: 'Bearer guessed-token-0000000000' },
      '{}',
    );
    expect(guessed).toMatchObject({ status: 401, code: 'KEDGE_METASERVER_UNAUTHORIZED' });
    const entry = (await fleet.job('confirm-me'))?.status?.nodeStatus?.[0];
    expect(actionsOf(entry ?? {})).toEqual(['Check=True']);
  });

  it('no one reads a pushed Secret without the token; a rebinding page gets nothing at all', async () => {
    const rebinding = await send(port, 'GET', SECRET_PATH, { host: `evil.example:${port}` });
    expect(rebinding).toMatchObject({ status: 403, code: 'KEDGE_METASERVER_HOST_FORBIDDEN' });
    for (const path of [SECRET_PATH, '/api/v1/secrets', '/api/v1/namespaces/kube-system/secrets']) {
      const local = await send(port, 'GET', path, { host });
      expect(local, path).toMatchObject({ status: 401, code: 'KEDGE_METASERVER_UNAUTHORIZED' });
      expect(local.text).not.toContain(SECRET_DATA);
    }
    expect((await send(port, 'GET', '/healthz', { host })).status).toBe(200);
  });

  it('the token file is root-only (0600) and keadm ctl confirm uses it to confirm', async () => {
    const tokenFile = join(dirname(fleet.edge('ms-1').dbPath), 'metaserver.token');
    expect(statSync(tokenFile).mode & 0o777).toBe(0o600);
    await keadm(['ctl', 'confirm', '--metaserver', host, '--config', fleet.edge('ms-1').configFile]);
    const job = await fleet.finished('confirm-me');
    expect(job.status?.phase).toBe('Completed');
    expect(actionsOf(fleet.entry(job, 'ms-1'))).toEqual([
      'Check=True',
      'WaitingConfirmation=True',
      'Backup=True',
      'Upgrade=True',
    ]);
  });
});
