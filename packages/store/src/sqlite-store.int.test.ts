// The SQLite backend against the shared contract, plus what only a shared
// file can show: several processes writing and watching it, watches that
// survive a restart, the change log's retention, and the file's schema.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startProcess, tempDir, type TempDir } from '@kedge/testing';
import { collect, newRun, nodeObject, rejection, summary, versionOf } from './contract/contract-helpers.ts';
import { describeResourceStoreContract } from './contract/resource-store-contract.ts';
import type { ResourceStore } from './resource-store.ts';
import { pin } from './sqlite-schema.ts';
import { openSqliteStore } from './sqlite-store.ts';
import { eventsPerWriter, writeNodes, type SeenEvent } from '../test/write-nodes.ts';

/** One value read straight from the file (every native object pinned, see sqlite-schema.ts). */
function inspect(path: string, sql: string): unknown {
  const db = pin(new Database(path, { readonly: true }));
  const value = pin(db.prepare(sql).pluck()).get();
  db.close();
  return value;
}

describeResourceStoreContract('sqlite', async () => {
  const dir = await tempDir('kedge-store-');
  const store = openSqliteStore({ path: join(dir.path, 'kedge.db'), pollIntervalMs: 10 });
  return {
    store,
    cleanup: async () => {
      await store.close();
      await dir.cleanup();
    },
  };
});

describe('sqlite store', () => {
  let dir: TempDir;
  let path: string;
  const open: ResourceStore[] = [];
  const openStore = (o: { changeLogRetention?: number } = {}): ResourceStore => {
    const s = openSqliteStore({ path, pollIntervalMs: 5, ...o });
    open.push(s);
    return s;
  };

  beforeEach(async () => {
    dir = await tempDir('kedge-store-');
    path = join(dir.path, 'kedge.db');
  });

  afterEach(async () => {
    for (const s of open.splice(0)) await s.close();
    await dir.cleanup();
  });

  it('two processes writing and watching one file see the same ordered events', async () => {
    const store = openStore();
    const run = newRun();
    const count = 20;
    const total = 2 * eventsPerWriter(count);
    const { resourceVersion } = await store.list('Node');
    const child = startProcess({
      name: 'store-writer',
      args: [
        'packages/store/test/store-writer.ts',
        path,
        resourceVersion,
        run.selector,
        'child',
        String(count),
        String(total),
      ],
    });
    const mine = collect(store, 'Node', { resourceVersion, labelSelector: run.selector }, total, 30_000);
    await child.waitForLine(/^ready$/);
    await writeNodes(store, run.selector, 'parent', count);
    const line = await child.waitForLine(/^EVENTS /, 30_000);
    expect(await child.exited).toEqual({ code: 0, signal: null });

    const seenHere: SeenEvent[] = (await mine).map((e) => [
      Number(versionOf(e.object)),
      e.type,
      e.object.metadata.name,
    ]);
    const seenThere = JSON.parse(line.slice('EVENTS '.length)) as SeenEvent[];
    expect(seenThere).toEqual(seenHere);
    const revisions = seenHere.map(([r]) => r);
    expect(revisions).toEqual([...revisions].sort((a, b) => a - b));
    expect(new Set(revisions).size).toBe(total);
    // Both wrote, and the writes interleaved rather than ran one after the other.
    const writers = seenHere.map(([, , name]) => name.split('-')[0]);
    const switches = writers.filter((w, i) => i > 0 && w !== writers[i - 1]).length;
    expect(switches).toBeGreaterThan(1);
  });

  it('a watch resumes after a restart from the version it remembered, with exactly the missed changes', async () => {
    const run = newRun();
    const first = openStore();
    const { resourceVersion } = await first.list('Node');
    await first.create('Node', nodeObject(run, 'before'));
    const seen = await collect(first, 'Node', { resourceVersion, labelSelector: run.selector }, 1);
    const remembered = versionOf(seen[0]?.object);
    await first.close();

    const other = openStore();
    const m1 = await other.create('Node', nodeObject(run, 'missed-1'));
    await other.update('Node', { ...m1, spec: { unschedulable: true } });
    await other.delete('Node', run.name('before'));

    const again = openStore();
    const watching = collect(again, 'Node', { resourceVersion: remembered, labelSelector: run.selector }, 4);
    await other.create('Node', nodeObject(run, 'after'));
    expect(summary(await watching)).toEqual([
      `ADDED ${run.name('missed-1')}`,
      `MODIFIED ${run.name('missed-1')}`,
      `DELETED ${run.name('before')}`,
      `ADDED ${run.name('after')}`,
    ]);
  });

  it('a watch from before the retained change log fails with KEDGE_STORE_EXPIRED', async () => {
    const run = newRun();
    const store = openStore({ changeLogRetention: 5 });
    const { resourceVersion: start } = await store.list('Node');
    for (let i = 0; i < 12; i++) await store.create('Node', nodeObject(run, `n${i}`));
    const err = await rejection(collect(store, 'Node', { resourceVersion: start }, 1));
    expect(err.code).toBe('KEDGE_STORE_EXPIRED');
    expect(err.message).toContain('relist');

    // The newest changes are still there to watch from.
    const recent = versionOf(await store.get('Node', run.name('n8')));
    const events = await collect(store, 'Node', { resourceVersion: recent }, 3);
    expect(summary(events)).toEqual(['n9', 'n10', 'n11'].map((n) => `ADDED ${run.name(n)}`));
    expect(inspect(path, 'SELECT count(*) FROM changes')).toBe(5);
  });

  it('a watch from a version the store never reached fails with KEDGE_STORE_EXPIRED', async () => {
    const store = openStore();
    await store.create('Node', nodeObject(newRun(), 'one'));
    const err = await rejection(collect(store, 'Node', { resourceVersion: '999' }, 1));
    expect(err.code).toBe('KEDGE_STORE_EXPIRED');
  });

  it('a schema-invalid object is rejected with the field named and writes no change', async () => {
    const store = openStore();
    const before = await store.list('Node');
    const err = await rejection(
      store.create('Node', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'Bad_Name' } }),
    );
    expect(err.code).toBe('KEDGE_RESOURCE_INVALID');
    expect(err.message).toContain('metadata.name');
    expect(err.context.fields).toEqual([expect.stringContaining('metadata.name')]);
    const wrongVersion = await rejection(
      store.create('Node', { apiVersion: 'v2', kind: 'Node', metadata: { name: 'n' } } as never),
    );
    expect(wrongVersion.message).toContain('apiVersion');
    expect((await store.list('Node')).resourceVersion).toBe(before.resourceVersion);
  });

  it('generation counts spec changes only; an update that changes nothing writes nothing', async () => {
    const run = newRun();
    const store = openStore();
    const created = await store.create('Node', nodeObject(run, 'g'));
    expect(created.metadata.generation).toBe(1);
    const labelled = await store.update('Node', {
      ...created,
      metadata: { ...created.metadata, labels: run.labels({ a: 'b' }) },
    });
    expect(labelled.metadata.generation).toBe(1);
    const spec = await store.update('Node', { ...labelled, spec: { unschedulable: true } });
    expect(spec.metadata.generation).toBe(2);
    const status = await store.updateStatus('Node', {
      ...spec,
      status: { conditions: [{ type: 'Ready', status: 'True' }] },
    });
    expect(status.metadata.generation).toBe(2);
    const same = await store.update('Node', structuredClone(status));
    expect(versionOf(same)).toBe(versionOf(status));
    const { resourceVersion } = await store.list('Node');
    expect(resourceVersion).toBe(versionOf(status));
  });

  it('writers in different connections conflict on the same version', async () => {
    const run = newRun();
    const a = openStore();
    const b = openStore();
    await a.create('Node', nodeObject(run, 'x'));
    const fromA = await a.get('Node', run.name('x'));
    const fromB = await b.get('Node', run.name('x'));
    if (!fromA || !fromB) throw new Error('missing');
    await b.update('Node', { ...fromB, spec: { unschedulable: true } });
    expect((await rejection(a.update('Node', { ...fromA, spec: { unschedulable: false } }))).code).toBe(
      'KEDGE_STORE_CONFLICT',
    );
  });

  it('close() ends pending watches and later calls fail with KEDGE_STORE_UNAVAILABLE', async () => {
    const store = openSqliteStore({ path, pollIntervalMs: 5 });
    const stop = new AbortController();
    const ended = (async () => {
      let n = 0;
      for await (const _ of store.watch('Node', { signal: stop.signal })) n++;
      return n;
    })();
    await store.close();
    expect(await ended).toBe(0);
    expect((await rejection(store.get('Node', 'x'))).code).toBe('KEDGE_STORE_UNAVAILABLE');
  });

  it('keys the schema by user_version and refuses a newer one', async () => {
    await openStore().close();
    expect(inspect(path, 'PRAGMA user_version')).toBe(1);
    expect(inspect(path, 'PRAGMA journal_mode')).toBe('wal');
    const db = pin(new Database(path));
    db.exec('PRAGMA user_version = 99');
    db.close();
    const err = (() => {
      try {
        openSqliteStore({ path });
      } catch (e: unknown) {
        return e as { code: string; message: string };
      }
      return undefined;
    })();
    expect(err?.code).toBe('KEDGE_STORE_UNAVAILABLE');
    expect(err?.message).toContain('schema version 99');
  });
});
