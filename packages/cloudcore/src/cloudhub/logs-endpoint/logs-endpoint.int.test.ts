// The logs endpoint on loopback with a real SQLite store and a LogsRelay
// whose node is a stand-in (the transport is the narrow interface faked):
// the coded answers before any chunk, and a reader that stops reading is cut
// off by the relay's bound instead of making cloudcore buffer the node's
// output without end.
import { request, type IncomingMessage } from 'node:http';
import { join } from 'node:path';
import {
  LOGS_ENDPOINTS_SECRET,
  LogsRoute,
  newMessage,
  secretValue,
  type LogsEndpoint as PublishedEndpoint,
  type Message,
  type Pod,
} from '@kedge/api';
import { createLogger } from '@kedge/runtime';
import { openSqliteStore, type ResourceStore } from '@kedge/store';
import { tempDir, type TempDir } from '@kedge/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LogsRelay } from '../logs-relay.ts';
import { LogsEndpoint } from './logs-endpoint.ts';

const log = createLogger({ name: 'test', level: 'silent' });
const pod = (name: string, nodeName?: string): Pod =>
  ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: {
      ...(nodeName ? { nodeName } : {}),
      containers: [
        { name: 'app', image: 'x' },
        { name: 'side', image: 'x' },
      ],
    },
  }) as Pod;

let dir: TempDir;
let store: ResourceStore;
let endpoint: LogsEndpoint;
let relay: LogsRelay;
let published: PublishedEndpoint;
const sent: Message[] = [];

beforeEach(async () => {
  dir = await tempDir('kedge-logs-endpoint-');
  store = openSqliteStore({ path: join(dir.path, 'kedge.db') });
  sent.length = 0;
  relay = new LogsRelay({ send: (_node, msg) => sent.push(msg) > 0, bufferMax: 64 * 1024 });
  endpoint = new LogsEndpoint({
    address: '127.0.0.1',
    port: 0,
    replicaId: 'replica-1',
    store,
    relay,
    isConnected: (node) => node === 'edge-1',
    log,
  });
  await endpoint.start();
  const secret = await store.get('Secret', LOGS_ENDPOINTS_SECRET.name, LOGS_ENDPOINTS_SECRET.namespace);
  published = JSON.parse(secret ? (secretValue(secret, 'replica-1') ?? '') : '') as PublishedEndpoint;
  for (const p of [pod('web', 'edge-1'), pod('away', 'edge-2'), pod('unbound')]) await store.create('Pod', p);
});
afterEach(async () => {
  await endpoint.stop();
  await store.close();
  await dir.cleanup();
});

function get(path: string, token: string | undefined = published.token): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    request(
      `${published.url}${path}`,
      { headers: token ? { authorization: `Bearer ${token}` } : {} },
      resolve,
    )
      .on('error', reject)
      .end();
  });
}

async function answer(
  path: string,
  token?: string,
): Promise<{ status: number; code: unknown; message: unknown }> {
  const res = await get(path, token);
  let body = '';
  for await (const piece of res) body += String(piece);
  const json = JSON.parse(body) as { code: unknown; message: unknown };
  return { status: res.statusCode ?? 0, code: json.code, message: json.message };
}

describe('logs endpoint', () => {
  it('answers each problem with its code before any log text', async () => {
    const path = (p: string, q = '') => `/logs/namespaces/default/pods/${p}${q}`;
    expect(await answer(path('web', '?container=app'), 'wrong')).toMatchObject({
      status: 401,
      code: 'KEDGE_LOGS_UNAUTHORIZED',
    });
    expect(await answer(path('nosuch'))).toMatchObject({ status: 404, code: 'KEDGE_LOGS_POD_NOT_FOUND' });
    expect(await answer(path('unbound', '?container=app'))).toMatchObject({
      status: 409,
      code: 'KEDGE_LOGS_POD_NOT_BOUND',
    });
    expect(await answer(path('web', '?container=nope'))).toEqual({
      status: 404,
      code: 'KEDGE_LOGS_CONTAINER_NOT_FOUND',
      message: 'container nope is not valid for pod default/web, choose one of: [app side]',
    });
    expect(await answer(path('away', '?container=app'))).toMatchObject({
      status: 503,
      code: 'KEDGE_LOGS_NODE_UNREACHABLE',
    });
    expect(await answer(path('web', '?container=app&tailLines=-1'))).toMatchObject({
      status: 400,
      code: 'KEDGE_LOGS_BAD_REQUEST',
    });
    expect(sent).toHaveLength(0); // nothing reached a node
  });

  it('a reader that stops reading is cut off instead of buffered without end', async () => {
    let pumped: Promise<void> = Promise.resolve();
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = request(
        `${published.url}/logs/namespaces/default/pods/web?container=app&follow=true`,
        { headers: { authorization: `Bearer ${published.token}` } },
        resolve,
      );
      req.on('error', reject).end();
      // the node answers as soon as the request reaches it
      const feed = setInterval(() => {
        const streamId = (sent[0]?.content as { streamId?: string } | undefined)?.streamId;
        if (!streamId) return;
        clearInterval(feed);
        pumped = pump(streamId);
      }, 10);
    });
    res.pause(); // the reader never reads
    await new Promise((r) => setTimeout(r, 50));
    await pumped;
    expect(sent.some((m) => m.route.operation === LogsRoute.cancel)).toBe(true);
    res.destroy();
  });
});

const CHUNK = 'x'.repeat(16 * 1024 - 1) + '\n';
/**
 * The node's output: 16 KiB chunks, each after the last was taken (a node no faster than a reader
 * that keeps up), up to 64 MiB, until the relay stops the stream.
 */
async function pump(streamId: string): Promise<void> {
  for (let i = 0; i < 4 * 1024; i++) {
    if (sent.some((m) => m.route.operation === LogsRoute.cancel)) return;
    relay.fromEdge(
      'edge-1',
      newMessage({
        source: 'edged',
        group: LogsRoute.group,
        operation: LogsRoute.chunk,
        resource: `logs/${streamId}`,
        content: { streamId, data: CHUNK },
      }),
    );
    await new Promise((r) => setImmediate(r));
  }
}
