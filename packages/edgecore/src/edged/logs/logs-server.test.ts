import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LogsRoute, newMessage, type LogsEnd, type Message, type Pod } from '@kedge/api';
import { createLogger } from '@kedge/runtime';
import { tempDir, type TempDir } from '@kedge/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LogsServer } from './logs-server.ts';

let dir: TempDir;
let sent: Message[];
let server: LogsServer;

const pod: Pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web', namespace: 'default', uid: 'u1' },
  spec: { nodeName: 'edge-1', containers: [{ name: 'app', image: 'busybox' }] },
};

beforeEach(async () => {
  dir = await tempDir('logs-server-');
  const c = join(dir.path, 'default_web_u1', 'app');
  await mkdir(c, { recursive: true });
  await writeFile(join(c, '0.log'), '2026-12-03T03:00:00Z stdout F hello\n');
  sent = [];
  server = new LogsServer({
    deps: {
      nodeName: 'edge-1',
      podLogsRoot: dir.path,
      findPod: (_ns, name) => (name === 'web' ? pod : undefined),
      pollMs: 10,
    },
    bus: { send: async (_to: string, msg: Message) => void sent.push(msg) },
    log: createLogger({ name: 'test', level: 'silent' }),
  });
});
afterEach(async () => {
  server.stopAll();
  await dir.cleanup();
});

function request(operation: string, content: unknown): Message {
  return newMessage({ source: 'cloudhub', group: LogsRoute.group, operation, resource: 'logs/s1', content });
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(check()).toBe(true);
}

const ends = (): LogsEnd[] =>
  sent.filter((m) => m.route.operation === LogsRoute.end).map((m) => m.content as LogsEnd);

describe('edged logs server', () => {
  it('sends the log as chunks then an end; a follow stream runs until the cloud cancels it', async () => {
    server.handle(request(LogsRoute.request, { streamId: 's1', namespace: 'default', pod: 'web' }));
    await until(() => ends().length === 1);
    expect(sent[0]?.route.operation).toBe(LogsRoute.chunk);
    expect(sent[0]?.content).toEqual({ streamId: 's1', data: 'hello\n' });
    expect(ends()[0]).toEqual({ streamId: 's1' });

    server.handle(
      request(LogsRoute.request, { streamId: 's2', namespace: 'default', pod: 'web', follow: true }),
    );
    await until(() => sent.length === 3);
    expect(server.active).toBe(1);
    server.handle(request(LogsRoute.cancel, { streamId: 's2' }));
    await until(() => ends().length === 2 && server.active === 0);
    expect(ends()[1]).toEqual({ streamId: 's2' });
  });

  it('answers a request for a pod of another node, or a malformed one, with a coded end', async () => {
    server.handle(request(LogsRoute.request, { streamId: 's3', namespace: 'default', pod: 'not-mine' }));
    server.handle(
      request(LogsRoute.request, { streamId: 's4', namespace: 'default', pod: 'web', tailLines: -1 }),
    );
    await until(() => ends().length === 2);
    const byId = Object.fromEntries(ends().map((e) => [e.streamId, e.error?.code]));
    expect(byId).toEqual({ s3: 'KEDGE_LOGS_FORBIDDEN', s4: 'KEDGE_LOGS_BAD_REQUEST' });
  });

  it('stopAll ends every follow stream (the cloud session dropped)', async () => {
    for (const id of ['a', 'b']) {
      server.handle(
        request(LogsRoute.request, { streamId: id, namespace: 'default', pod: 'web', follow: true }),
      );
    }
    await until(() => server.active === 2);
    server.stopAll();
    await until(() => server.active === 0);
  });
});
