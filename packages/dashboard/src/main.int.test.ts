// The `dashboard` command as a real process over a SQLite file another
// process (the test) writes: it prints its URL, serves what the file holds,
// stops on SIGTERM with code 0, and refuses a missing --store with code 2.
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createObserved, openSqliteStore, type ResourceStore } from '@kedge/store';
import { startProcess, tempDir, type ManagedProcess, type TempDir } from '@kedge/testing';
import type { ListPage, NodeItem } from './index.ts';
import { makeNode } from '../test/fixtures.ts';

const MAIN = 'packages/dashboard/src/main.ts';

let dir: TempDir | undefined;
let proc: ManagedProcess | undefined;
let store: ResourceStore | undefined;

afterEach(async () => {
  await proc?.kill();
  await store?.close();
  await dir?.cleanup();
  proc = undefined;
  store = undefined;
  dir = undefined;
});

describe('dashboard command', () => {
  it('serves the store it is given and stops on SIGTERM', async () => {
    dir = await tempDir('kedge-dashboard-main-');
    const path = join(dir.path, 'kedge.db');
    store = openSqliteStore({ path });
    await createObserved(store, 'Node', makeNode('edge-1', true));
    proc = startProcess({ name: 'dashboard', args: [MAIN, '--store', path, '--port', '0'] });
    const line = await proc.waitForLine(/^dashboard listening on http:\/\/127\.0\.0\.1:\d+$/);
    const url = line.slice('dashboard listening on '.length);
    const page = (await (await fetch(`${url}/api/v1/nodes`)).json()) as ListPage<NodeItem>;
    expect(page.items.map((n) => [n.name, n.ready])).toEqual([['edge-1', 'True']]);
    await proc.kill();
    expect((await proc.exited).code).toBe(0);
  });

  it('exits 2 naming --store when it is missing', async () => {
    proc = startProcess({ name: 'dashboard', args: [MAIN] });
    expect((await proc.exited).code).toBe(2);
    expect(proc.stderr()).toContain('--store: required');
  });
});
