// Event TTL of the embedded store, on a real SQLite file with a fake clock.
import { join } from 'node:path';
import type { Event } from '@kedge/api';
import { FakeClock } from '@kedge/runtime';
import { tempDir, type TempDir } from '@kedge/testing';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hasEventTtl, openSqliteStore } from './index.ts';
import type { ResourceStore } from './resource-store.ts';

const HOUR = 3_600_000;

function event(name: string, message: string): Event {
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name, namespace: 'default' },
    involvedObject: { kind: 'Node', name: 'edge-1' },
    reason: 'Flood',
    message,
    // A node cannot keep its Events alive by reporting times in the future.
    lastTimestamp: '2999-01-01T00:00:00Z',
  };
}

describe('embedded store Event TTL', () => {
  let dir: TempDir;
  let store: ResourceStore;
  let path: string;
  const clock = new FakeClock(Date.parse('2026-12-03T00:00:00Z'));

  beforeEach(async () => {
    dir = await tempDir('kedge-event-ttl-');
    path = join(dir.path, 'kedge.db');
    store = openSqliteStore({ path, clock, eventTtlMs: HOUR });
  });
  afterEach(async () => {
    await store.close();
    await dir.cleanup();
  });

  const changeRows = (): number => {
    const db = new Database(path, { readonly: true });
    try {
      return (db.prepare("SELECT count(*) AS n FROM changes WHERE kind = 'Event'").get() as { n: number }).n;
    } finally {
      db.close();
    }
  };

  it('deletes Events older than the TTL with their change-log bodies, keeps younger ones and other kinds', async () => {
    if (!hasEventTtl(store)) throw new Error('the sqlite store has no event TTL');
    const big = 'x'.repeat(100_000);
    for (let i = 0; i < 20; i++) await store.create('Event', event(`old-${i}`, big));
    await store.create('ConfigMap', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'keep', namespace: 'default' },
      data: {},
    } as never);
    await clock.advance(HOUR / 2);
    await store.create('Event', event('young', 'short'));
    expect(store.expireEvents()).toBe(0);

    await clock.advance(HOUR / 2 + 1000);
    expect(store.expireEvents()).toBe(20);
    const left = await store.list('Event');
    expect(left.items.map((e) => e.metadata.name)).toEqual(['young']);
    expect(await store.get('ConfigMap', 'keep', 'default')).toBeDefined();
    // young's ADDED, plus one small DELETED per expired Event; no 100 kB bodies left.
    expect(changeRows()).toBe(21);
    const db = new Database(path, { readonly: true });
    try {
      const bytes = (
        db.prepare("SELECT sum(length(body)) AS n FROM changes WHERE kind = 'Event'").get() as { n: number }
      ).n;
      expect(bytes).toBeLessThan(20 * 1000);
    } finally {
      db.close();
    }

    // The freed pages are reused: a second flood of the same size hardly grows the database.
    const pages = (): number => {
      const ro = new Database(path, { readonly: true });
      try {
        return ro.pragma('page_count', { simple: true }) as number;
      } finally {
        ro.close();
      }
    };
    const before = pages();
    for (let i = 0; i < 20; i++) await store.create('Event', event(`next-${i}`, big));
    expect(pages()).toBeLessThan(before * 1.2);
    await clock.advance(HOUR + 1000);
    expect(store.expireEvents()).toBe(21);
    expect((await store.list('Event')).items).toEqual([]);
  });

  it('tells watchers that an expired Event is gone', async () => {
    if (!hasEventTtl(store)) throw new Error('the sqlite store has no event TTL');
    const created = await store.create('Event', event('watched', 'm'));
    const abort = new AbortController();
    const seen: string[] = [];
    const watching = (async () => {
      for await (const e of store.watch('Event', {
        signal: abort.signal,
        resourceVersion: created.metadata.resourceVersion,
      })) {
        seen.push(`${e.type} ${e.object.metadata.name}`);
        if (e.type === 'DELETED') abort.abort();
      }
    })().catch(() => undefined);
    await clock.advance(HOUR + 1000);
    expect(store.expireEvents()).toBe(1);
    // The watch polls on the fake clock: move it until the watcher saw the deletion.
    for (let i = 0; i < 100 && seen.length === 0; i++) {
      await clock.advance(100);
      await new Promise((r) => setTimeout(r, 5));
    }
    abort.abort();
    await watching;
    expect(seen).toEqual(['DELETED watched']);
  });
});
