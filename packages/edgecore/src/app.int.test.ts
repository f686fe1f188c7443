// edgecore's lifecycle as a whole: its modules start in registration order and
// stop one by one in the reverse order (docs/architecture.md), the edge
// database last; a start that fails closes the database it opened.
import { readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { hasCode } from '@kedge/api';
import { createLogger } from '@kedge/runtime';
import { freePort, tempDir, type TempDir } from '@kedge/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { startEdgeCore } from './app.ts';
import { loadEdgeCoreConfig } from './config/index.ts';

let dir: TempDir | undefined;
afterEach(async () => {
  await dir?.cleanup();
  dir = undefined;
});

describe('startEdgeCore', () => {
  it('stops its modules in the reverse of their start order, one after the other', async () => {
    dir = await tempDir('kedge-edgecore-app-');
    const stream = new PassThrough();
    let text = '';
    stream.on('data', (c: Buffer) => (text += c.toString('utf8')));
    const log = createLogger({ name: 'edgecore-test', level: 'info', destination: stream });
    const config = loadEdgeCoreConfig({
      env: {},
      overrides: {
        database: { dataSource: join(dir.path, 'edgecore.db') },
        modules: {
          // Nothing listens there: edgeHub keeps redialling, which is all this test needs of it.
          edgeHub: {
            token: 'test-token',
            httpServer: '',
            tlsCaFile: '',
            websocket: { server: `127.0.0.1:${await freePort()}` },
          },
          metaManager: { metaServer: { server: `127.0.0.1:${await freePort()}` } },
          edged: { enable: false, hostnameOverride: 'edge-app-test' },
        },
      },
    });
    const edge = await startEdgeCore(config, log);
    await edge.stop();
    await edge.stop(); // idempotent

    const lines = text
      .split('\n')
      .filter((l) => l.length > 0)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const named = (msg: string): unknown[] => lines.filter((l) => l['msg'] === msg).map((l) => l['service']);
    const started = named('service started');
    expect(started.length).toBeGreaterThanOrEqual(3);
    expect(named('service stopped')).toEqual([...started].reverse());
    // One module's turn ends before the next one's begins: the stops are not interleaved.
    const stopLines = lines.filter((l) => l['msg'] === 'service stopped' || l['msg'] === 'module stopped');
    expect(stopLines.map((l) => l['service'] ?? l['module'])).toEqual(
      [...started].reverse().flatMap((name) => [name, name]),
    );
  });

  it('closes the edge database when the start fails', async () => {
    dir = await tempDir('kedge-edgecore-app-');
    const dataSource = join(dir.path, 'edgecore.db');
    const notAKey = join(dir.path, 'release.pub');
    writeFileSync(notAKey, 'not a PEM key\n');
    const config = loadEdgeCoreConfig({
      env: {},
      overrides: {
        database: { dataSource },
        modules: {
          edgeHub: { token: 'test-token' },
          edged: { enable: false, hostnameOverride: 'edge-app-test' },
          taskManager: { releasePublicKeyFile: notAKey },
        },
      },
    });
    const failed = await startEdgeCore(config, createLogger({ name: 't', level: 'silent' })).catch(
      (err: unknown) => err,
    );
    expect(hasCode(failed, 'KEDGE_CONFIG_INVALID')).toBe(true);
    // Files this process still holds open under the data source's name (the database and its WAL).
    const held = readdirSync('/proc/self/fd').flatMap((fd) => {
      try {
        return [readlinkSync(join('/proc/self/fd', fd))];
      } catch {
        return [];
      }
    });
    expect(held.filter((target) => target.startsWith(dataSource))).toEqual([]);
  });
});
