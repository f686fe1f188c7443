// GET /healthz on the tunnel port: what Kubernetes probes and load balancers
// ask (configs/k8s/cloudcore-deployment.yaml). A real CloudHub on loopback,
// a real WebSocket edge connection beside it.
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { newMessage } from '@kedge/api';
import { createLogger, systemClock } from '@kedge/runtime';
import { makeTestCa, tempDir, type TempDir } from '@kedge/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { CloudHub, type CloudHubTls } from './cloud-hub.ts';
import { nodeToken } from '@kedge/tokens';

const SECRET = 'healthz-test-secret-0123456789abcdef';

function startHub(tls?: CloudHubTls): Promise<{ hub: CloudHub; port: number }> {
  const hub = new CloudHub({
    host: '127.0.0.1',
    port: 0,
    tls,
    tokenSecret: SECRET,
    nodeLimit: 10,
    keepaliveTimeoutMs: 30_000,
    maxMessageBytes: 1 << 20,
    log: createLogger({ name: 'cloudhub-test', level: 'silent' }),
    clock: systemClock,
    handlers: {
      register: () => Promise.resolve({ ok: true }),
      message: () => Promise.resolve(undefined),
      closed: () => Promise.resolve(),
    },
  });
  return hub.start().then((port) => ({ hub, port }));
}

/** Connects and registers `node`; resolves once the hub answered the register. */
async function connectNode(port: number, node: string): Promise<WebSocket> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/p/${node}/events`, {
    headers: { node_id: node, project_id: 'p', authorization: `Bearer ${nodeToken(SECRET, node)}` },
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const answered = new Promise<void>((resolve) => ws.once('message', () => resolve()));
  const register = newMessage({
    source: 'websocket',
    group: 'resource',
    operation: 'insert',
    resource: `null/node/${node}`,
    content: {},
    sync: true,
  });
  ws.send(JSON.stringify(register));
  await answered;
  return ws;
}

describe('CloudHub /healthz', () => {
  let hub: CloudHub | undefined;
  let dir: TempDir | undefined;
  const sockets: WebSocket[] = [];

  afterEach(async () => {
    for (const ws of sockets.splice(0)) ws.terminate();
    await hub?.stop();
    hub = undefined;
    await dir?.cleanup();
    dir = undefined;
  });

  it('answers 200 with the number of connected nodes; other plain HTTP still gets 426', async () => {
    const started = await startHub();
    hub = started.hub;
    const base = `http://127.0.0.1:${started.port}`;

    const first = await fetch(`${base}/healthz`);
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ status: 'ok', connectedNodes: 0 });

    sockets.push(await connectNode(started.port, 'edge-1'));
    const second = await fetch(`${base}/healthz?verbose=1`);
    expect(await second.json()).toEqual({ status: 'ok', connectedNodes: 1 });

    const head = await fetch(`${base}/healthz`, { method: 'HEAD' });
    expect(head.status).toBe(200);

    const other = await fetch(`${base}/`);
    expect(other.status).toBe(426);
    expect(await other.text()).toMatch(/WebSocket upgrade required/);
    const post = await fetch(`${base}/healthz`, { method: 'POST', body: '{}' });
    expect(post.status).toBe(426);
  });

  it('answers over TLS when the hub serves wss://', async () => {
    dir = await tempDir('kedge-healthz-');
    const ca = await makeTestCa(dir.path, 'cloudhub');
    const started = await startHub({ cert: readFileSync(ca.certFile), key: readFileSync(ca.keyFile) });
    hub = started.hub;
    const status = await new Promise<{ code: number; body: string }>((resolve, reject) => {
      const req = request(
        `https://127.0.0.1:${started.port}/healthz`,
        { ca: readFileSync(ca.caFile) },
        (res) => {
          let body = '';
          res.setEncoding('utf8').on('data', (c: string) => (body += c));
          res.on('end', () => resolve({ code: res.statusCode ?? 0, body }));
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(status.code).toBe(200);
    expect(JSON.parse(status.body)).toEqual({ status: 'ok', connectedNodes: 0 });
  });
});
