// Finding 5 of issue 8: node tokens never expired, could not be revoked one
// at a time, and a deleted Node re-registered with the same token. Now, as
// in KubeEdge, a node joins with an expiring token `<ca-hash>.<jwt>`, gets a
// client certificate (CN system:node:<name>) and is known by it; one node
// can be revoked, and deleting its Node ends its session. Against a real
// cloudcore and real edgecore processes.
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { LocalCloud, LocalEdge, keadm, type CloudCoreReplica } from '@kedge/localup';
import { tempDir, waitFor, type TempDir } from '@kedge/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';

describe('security: node credentials expire, are per node and revocable', () => {
  let dir: TempDir;
  let cloud: LocalCloud;
  let cloudcore: CloudCoreReplica;
  const edges: LocalEdge[] = [];

  const startEdge = async (name: string, token: string): Promise<LocalEdge> => {
    const edge = await LocalEdge.create(dir.path, {
      name,
      server: cloudcore.address,
      httpServer: cloudcore.httpServer,
      token,
    });
    await edge.start();
    edges.push(edge);
    return edge;
  };
  const certFiles = (name: string) => {
    const d = join(dir.path, `edge-${name}`);
    return {
      ca: readFileSync(join(d, 'ca', 'rootCA.crt'), 'utf8'),
      cert: readFileSync(join(d, 'certs', 'server.crt'), 'utf8'),
      key: readFileSync(join(d, 'certs', 'server.key'), 'utf8'),
    };
  };
  /** The nodes with a live tunnel session, from cloudcore's /healthz (no client certificate needed). */
  const connectedNodes = (): Promise<number> =>
    new Promise((resolve, reject) => {
      const req = request(
        `https://${cloudcore.address}/healthz`,
        { ca: readFileSync(cloud.caFiles.caFile) },
        (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve((JSON.parse(body) as { connectedNodes: number }).connectedNodes));
        },
      );
      req.on('error', reject);
      req.end();
    });
  const gettoken = async (node: string): Promise<string> =>
    (
      await keadm([
        'gettoken',
        '--node',
        node,
        '--ca-file',
        cloud.caFiles.caFile,
        '--secret-file',
        cloud.secretFile,
      ])
    ).trim();

  beforeAll(async () => {
    dir = await tempDir('kedge-sec-creds-');
    cloud = new LocalCloud({ dir: dir.path, certificates: true });
    cloudcore = await cloud.addCloudCore();
    for (const name of ['good-1', 'good-2', 'victim']) await startEdge(name, await gettoken(name));
    await cloud.waitForReady(['good-1', 'good-2', 'victim']);
  });

  afterAll(async () => {
    await Promise.all(edges.map((e) => e.stop()));
    await cloud?.close();
    await dir?.cleanup();
  });

  it('an expired join token gets no certificate and the node never registers', async () => {
    const expired = await cloud.joinToken({ node: 'late', ttlSeconds: 60, nowMs: Date.now() - 3600_000 });
    const edge = await startEdge('late', expired);
    await edge.running.waitForLine(/KEDGE_AUTH_TOKEN_EXPIRED/, 15_000);
    expect(await cloud.store.get('Node', 'late')).toBeUndefined();
    await edge.stop();
  });

  it('the edge refuses a cloud whose CA does not match the hash in its token, before sending the JWT', async () => {
    const genuine = await cloud.joinToken({ node: 'misled' });
    const wrongHash = `${'0'.repeat(64)}.${genuine.split('.').slice(1).join('.')}`;
    const edge = await startEdge('misled', wrongHash);
    await edge.running.waitForLine(/KEDGE_AUTH_CA_MISMATCH/, 15_000);
    expect(cloudcore.running.stdout()).not.toMatch(/"node":"misled"/);
    expect(await cloud.store.get('Node', 'misled')).toBeUndefined();
    await edge.stop();
  });

  it('a node cannot claim another identity than its certificate CN, on the tunnel or at the bootstrap', async () => {
    const own = certFiles('good-1');
    const ws = new WebSocket(`wss://${cloudcore.address}/p/victim/events`, {
      headers: { node_id: 'victim', project_id: 'p' },
      ...own,
    });
    const [code, reason] = await new Promise<[number, string]>((resolve) =>
      ws.on('close', (c, r) => resolve([c, r.toString()])),
    );
    expect(code).toBe(4401);
    expect(reason).toContain('client certificate is for "system:node:good-1"');
    // good-1's node-bound token does not get a certificate for victim either
    const token = await gettoken('good-1');
    const edge = await LocalEdge.create(join(dir.path, 'thief'), {
      name: 'victim',
      server: cloudcore.address,
      httpServer: cloudcore.httpServer,
      token,
    });
    await edge.start();
    edges.push(edge);
    await edge.running.waitForLine(/the join token is for node good-1, not victim/, 15_000);
    await edge.stop();
  });

  it('keadm revoke ends one node session and refuses it; the other nodes stay connected', async () => {
    const victim = edges.find((e) => e.id === 'victim');
    expect(await connectedNodes()).toBe(3);
    await keadm(['revoke', '--node', 'victim', '--store', cloud.storePath]);
    await victim?.running.waitForLine(/"code":4403/, 15_000);
    // its old token is refused too: it cannot mint itself a new certificate
    await victim?.running.waitForLine(/KEDGE_AUTH_NODE_REVOKED/, 15_000);
    await waitFor(async () => (await connectedNodes()) === 2, {
      what: 'only the victim gone',
      timeoutMs: 5000,
    });
    for (const name of ['good-1', 'good-2']) {
      expect(edges.find((e) => e.id === name)?.running.stdout()).not.toMatch(/"code":4403/);
    }
  });

  it('deleting a Node ends its session and refuses its certificate until it is joined again', async () => {
    const edge = edges.find((e) => e.id === 'good-2');
    await cloud.store.delete('Node', 'good-2');
    await edge?.running.waitForLine(/"code":4403/, 15_000);
    await edge?.running.waitForLine(/KEDGE_AUTH_NODE_REVOKED/, 15_000);
    await new Promise((r) => setTimeout(r, 1500));
    expect(await cloud.store.get('Node', 'good-2')).toBeUndefined();
    await edge?.stop();
    // joined again: a new token, a new certificate, the Node is back
    await startEdge('good-2', await gettoken('good-2'));
    await cloud.waitForReady(['good-2']);
    expect(await connectedNodes()).toBe(2); // good-1 and good-2 (victim stays revoked)
  });
});
