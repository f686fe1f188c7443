// The certificate bootstrap and certificate identity on a real CloudCore on
// loopback (SQLite store): GET /ca.crt, GET /edge.crt with a join token or
// the current certificate, and the tunnel knowing a node by its certificate.
import { createHash, X509Certificate } from 'node:crypto';
import { request } from 'node:https';
import { join } from 'node:path';
import { newMessage } from '@kedge/api';
import { createLogger, systemClock } from '@kedge/runtime';
import { openSqliteStore, type ResourceStore } from '@kedge/store';
import { tempDir, waitFor, type TempDir } from '@kedge/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { CloudCore } from '../../cloud-core.ts';
import { issueServerCert, newCloudCa, type CloudCa } from './cloud-ca.ts';
import { createJoinToken } from '@kedge/tokens';
import { revokeNode } from './node-revocations.ts';
import { EC_ALGORITHM, newKeyPair, privateKeyPem, x509 } from './x509.ts';

const SECRET = 'node-certificates-test-secret-0123456789';
const DAY = 24 * 3600 * 1000;

interface Reply {
  status: number;
  body: Buffer;
}

function get(
  port: number,
  path: string,
  o: { ca?: string; headers?: Record<string, string>; body?: Buffer; cert?: string; key?: string } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'GET',
        headers: { ...o.headers, ...(o.body ? { 'content-length': String(o.body.length) } : {}) },
        ...(o.ca ? { ca: o.ca } : { rejectUnauthorized: false }),
        ...(o.cert && o.key ? { cert: o.cert, key: o.key } : {}),
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      },
    );
    req.on('error', reject);
    req.end(o.body);
  });
}

async function csrFor(cn: string): Promise<{ der: Buffer; key: string }> {
  const keys = await newKeyPair();
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: `CN=${cn}, O=system:nodes`,
    keys,
    signingAlgorithm: EC_ALGORITHM,
  });
  return { der: Buffer.from(csr.rawData), key: await privateKeyPem(keys.privateKey) };
}

describe.sequential('node certificates (bootstrap server and tunnel identity)', () => {
  let dir: TempDir;
  let store: ResourceStore;
  let ca: CloudCa;
  let cloud: CloudCore;
  let tunnelPort = 0;
  let httpsPort = 0;

  /** Joins `node` with a token: a new key, a CSR, the signed certificate (PEM). */
  async function joinNode(node: string, token?: string): Promise<{ cert: string; key: string }> {
    const jwt = (token ?? (await createJoinToken({ secret: SECRET, caHash: ca.hash, node })))
      .split('.')
      .slice(1);
    const csr = await csrFor(`system:node:${node}`);
    const reply = await get(httpsPort, '/edge.crt', {
      ca: ca.pem,
      headers: { NodeName: node, authorization: `Bearer ${jwt.join('.')}` },
      body: csr.der,
    });
    expect(`${reply.status} ${reply.status === 200 ? '' : reply.body.toString()}`).toBe('200 ');
    return { cert: new x509.X509Certificate(new Uint8Array(reply.body)).toString('pem'), key: csr.key };
  }

  /** Opens the tunnel as `node_id` with a client certificate; resolves with the close (or 'registered'). */
  function connect(
    nodeId: string,
    creds: { cert: string; key: string },
  ): { ws: WebSocket; outcome: Promise<string> } {
    const ws = new WebSocket(`wss://127.0.0.1:${tunnelPort}/p/${nodeId}/events`, {
      headers: { node_id: nodeId, project_id: 'p' },
      ca: ca.pem,
      cert: creds.cert,
      key: creds.key,
    });
    const outcome = new Promise<string>((resolve) => {
      ws.on('open', () => {
        const register = newMessage({
          source: 'websocket',
          group: 'resource',
          operation: 'insert',
          resource: `null/node/${nodeId}`,
          content: { edgecoreVersion: 'test', labels: {} },
          sync: true,
        });
        ws.send(JSON.stringify(register));
      });
      ws.on('message', (data) => {
        const msg = JSON.parse((data as Buffer).toString()) as {
          route: { operation: string };
          content: unknown;
        };
        resolve(msg.route.operation === 'response' ? 'registered' : `refused ${JSON.stringify(msg.content)}`);
      });
      ws.on('close', (code, reason) => resolve(`closed ${code} ${reason.toString()}`));
      ws.on('error', (err) => resolve(`error ${err.message}`));
    });
    return { ws, outcome };
  }

  beforeAll(async () => {
    dir = await tempDir('kedge-certs-');
    store = openSqliteStore({ path: join(dir.path, 'kedge.db') });
    ca = await newCloudCa();
    const serverCert = await issueServerCert(ca, { ips: ['127.0.0.1'], dnsNames: ['localhost'] });
    cloud = new CloudCore({
      store,
      log: createLogger({ name: 'certs-test', level: 'silent' }),
      clock: systemClock,
      replicaId: 'r0',
      hub: {
        host: '127.0.0.1',
        port: 0,
        tls: { ...serverCert, ca: ca.pem, requestCert: true },
        tokenSecret: SECRET,
        nodeLimit: 100,
        keepaliveTimeoutMs: 30_000,
        maxMessageBytes: 1 << 20,
      },
      heartbeatWriteIntervalMs: 60_000,
      certificates: { ca, serverCert, https: { host: '127.0.0.1', port: 0 }, edgeCertValidityMs: 30 * DAY },
      taskManager: { enable: false, disableNodeTaskV1alpha2: false },
    });
    tunnelPort = await cloud.start();
    httpsPort = cloud.credentials.httpsPort ?? 0;
  });

  afterAll(async () => {
    await cloud?.stop();
    await store?.close();
    await dir?.cleanup();
  });

  it('GET /ca.crt serves the CA in DER, hashing to the first part of a join token', async () => {
    const reply = await get(httpsPort, '/ca.crt');
    expect(reply.status).toBe(200);
    const token = await createJoinToken({ secret: SECRET, caHash: ca.hash });
    expect(createHash('sha256').update(reply.body).digest('hex')).toBe(token.split('.')[0]);
    expect(token.split('.')).toHaveLength(4);
  });

  it('GET /edge.crt signs the CSR: CN system:node:<name>, O system:nodes, client auth, the configured validity', async () => {
    const { cert } = await joinNode('cert-a');
    const parsed = new X509Certificate(cert);
    expect(parsed.subject).toBe('CN=system:node:cert-a\nO=system:nodes');
    expect(parsed.checkIssued(new X509Certificate(ca.pem))).toBe(true);
    expect(parsed.keyUsage).toEqual(['1.3.6.1.5.5.7.3.2']);
    const days = (Date.parse(parsed.validTo) - Date.parse(parsed.validFrom)) / DAY;
    expect(days).toBe(30);
  });

  it('refuses an expired token, a token for another node, a forged token and a CSR for another CN', async () => {
    const csr = await csrFor('system:node:cert-b');
    const ask = async (token: string, node = 'cert-b', body = csr.der) =>
      get(httpsPort, '/edge.crt', {
        ca: ca.pem,
        headers: { NodeName: node, authorization: `Bearer ${token.split('.').slice(1).join('.')}` },
        body,
      });
    const expired = await createJoinToken({
      secret: SECRET,
      caHash: ca.hash,
      ttlSeconds: 60,
      nowMs: Date.now() - 3600_000,
    });
    const r1 = await ask(expired);
    expect(r1.status).toBe(401);
    expect(JSON.parse(r1.body.toString())).toMatchObject({ code: 'KEDGE_AUTH_TOKEN_EXPIRED' });
    const forOther = await createJoinToken({ secret: SECRET, caHash: ca.hash, node: 'someone-else' });
    expect((await ask(forOther)).status).toBe(401);
    const forged = await createJoinToken({ secret: 'not-the-cloud-secret-0123456789', caHash: ca.hash });
    expect(JSON.parse((await ask(forged)).body.toString())).toMatchObject({
      code: 'KEDGE_AUTH_TOKEN_INVALID',
    });
    const fleet = await createJoinToken({ secret: SECRET, caHash: ca.hash });
    const otherCn = await csrFor('system:node:victim');
    const r4 = await ask(fleet, 'cert-b', otherCn.der);
    expect(r4.status).toBe(400);
    expect(JSON.parse(r4.body.toString())).toMatchObject({ code: 'KEDGE_AUTH_CSR_INVALID' });
  });

  it('rotates: the current certificate alone gets a new one, with a new key', async () => {
    const first = await joinNode('cert-rot');
    const csr = await csrFor('system:node:cert-rot');
    const reply = await get(httpsPort, '/edge.crt', {
      ca: ca.pem,
      headers: { NodeName: 'cert-rot' },
      body: csr.der,
      cert: first.cert,
      key: first.key,
    });
    expect(reply.status, reply.body.toString()).toBe(200);
    const next = new X509Certificate(reply.body);
    expect(next.subject).toContain('CN=system:node:cert-rot');
    expect(next.serialNumber).not.toBe(new X509Certificate(first.cert).serialNumber);
    // Its certificate cannot renew another node's.
    const other = await get(httpsPort, '/edge.crt', {
      ca: ca.pem,
      headers: { NodeName: 'cert-a' },
      body: (await csrFor('system:node:cert-a')).der,
      cert: first.cert,
      key: first.key,
    });
    expect(other.status).toBe(401);
  });

  it('the tunnel knows a node by its certificate: its own name registers, another name is refused', async () => {
    const creds = await joinNode('tun-a');
    const own = connect('tun-a', creds);
    expect(await own.outcome).toBe('registered');
    own.ws.close();
    const noCert = new WebSocket(`wss://127.0.0.1:${tunnelPort}/p/tun-a/events`, {
      headers: { node_id: 'tun-a', project_id: 'p', authorization: 'Bearer anything' },
      ca: ca.pem,
    });
    const refused = await new Promise<string>((resolve) =>
      noCert.on('close', (code, reason) => resolve(`${code} ${reason.toString()}`)),
    );
    expect(refused).toBe('4401 KEDGE_AUTH_REJECTED: no client certificate');
    const claim = connect('tun-b', creds);
    expect(await claim.outcome).toMatch(
      /^closed 4401 KEDGE_AUTH_REJECTED: client certificate is for "system:node:tun-a"/,
    );
  });

  it('revoking a node ends its live session (4403), refuses its certificate and old tokens; a new join works', async () => {
    const creds = await joinNode('tun-rev');
    const live = connect('tun-rev', creds);
    expect(await live.outcome).toBe('registered');
    const oldToken = await createJoinToken({
      secret: SECRET,
      caHash: ca.hash,
      node: 'tun-rev',
      nowMs: Date.now() - 5000,
    });
    const ended = new Promise<number>((resolve) => live.ws.on('close', (code) => resolve(code)));
    await revokeNode(store, 'tun-rev', Date.now());
    expect(await ended).toBe(4403);
    expect(await connect('tun-rev', creds).outcome).toMatch(/^closed 4403 KEDGE_AUTH_NODE_REVOKED/);
    const csr = await csrFor('system:node:tun-rev');
    const refused = await get(httpsPort, '/edge.crt', {
      ca: ca.pem,
      headers: { NodeName: 'tun-rev', authorization: `Bearer ${oldToken.split('.').slice(1).join('.')}` },
      body: csr.der,
    });
    expect(JSON.parse(refused.body.toString())).toMatchObject({ code: 'KEDGE_AUTH_NODE_REVOKED' });
    const again = await joinNode('tun-rev');
    expect(await connect('tun-rev', again).outcome).toBe('registered');
  });

  it('deleting the Node ends its session and refuses its certificate', async () => {
    const creds = await joinNode('tun-del');
    const live = connect('tun-del', creds);
    expect(await live.outcome).toBe('registered');
    await waitFor(async () => (await store.get('Node', 'tun-del')) !== undefined, { what: 'Node tun-del' });
    const ended = new Promise<number>((resolve) => live.ws.on('close', (code) => resolve(code)));
    await store.delete('Node', 'tun-del');
    expect(await ended).toBe(4403);
    expect(await connect('tun-del', creds).outcome).toMatch(/^closed 4403/);
  });
});
