import { createServer, get, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { FakeClock, createLogger } from '@kedge/runtime';
import { openSqliteStore, type ResourceStore } from '@kedge/store';
import { tempDir, type TempDir } from '@kedge/testing';
import { ChangeFeed } from './change-feed.ts';

let dir: TempDir | undefined;
let store: ResourceStore | undefined;
let server: Server | undefined;
const abort = new AbortController();

afterEach(async () => {
  abort.abort();
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await store?.close();
  await dir?.cleanup();
});

it('sends the keepalive comment on the injected clock, and none after close()', async () => {
  dir = await tempDir('change-feed');
  store = openSqliteStore({ path: join(dir.path, 'store.db') });
  const clock = new FakeClock(1_000_000);
  const feed = new ChangeFeed({
    store,
    log: createLogger({ name: 'test', level: 'silent' }),
    signal: abort.signal,
    keepaliveMs: 15_000,
    clock,
  });
  server = createServer((_req, res) => feed.subscribe(res));
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  let received = '';
  const res = await new Promise<IncomingMessage>((resolve) => get(`http://127.0.0.1:${port}/`, resolve));
  res.setEncoding('utf8');
  res.on('data', (chunk: string) => (received += chunk));
  await expect.poll(() => received).toContain('event: ready');

  await clock.advance(15_000);
  await expect.poll(() => received.match(/: keepalive/g)?.length ?? 0).toBe(1);
  await clock.advance(15_000);
  await expect.poll(() => received.match(/: keepalive/g)?.length ?? 0).toBe(2);

  feed.close();
  await clock.advance(60_000);
  expect(received.match(/: keepalive/g)?.length ?? 0).toBe(2);
  expect(clock.pendingSleeps()).toBe(0);
});
