// The informer over a real (in-memory) SQLite store, with a fake clock so
// the test decides when the watch polls and when a backoff ends.
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hasCode, KedgeError, type KindName } from '@kedge/api';
import { createLogger, FakeClock, type Logger } from '@kedge/runtime';
import { newRun, nodeObject, type TestRun } from './contract/contract-helpers.ts';
import { createInformer } from './informer.ts';
import type { ResourceStore, WatchEvent } from './resource-store.ts';
import { openSqliteStore } from './sqlite-store.ts';

function captureLog(): { log: Logger; lines: () => { level: number; msg: string }[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done): void {
      chunks.push(chunk.toString());
      done();
    },
  });
  const log = createLogger({ name: 'test', level: 'debug', destination: stream });
  return {
    log,
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { level: number; msg: string }),
  };
}

/** Advances the fake clock in poll-sized steps until `check` holds. */
async function until(clock: FakeClock, check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (check()) return;
    await clock.advance(50);
  }
  throw new Error(`never happened: ${what}`);
}

function names(events: WatchEvent<KindName>[]): string[] {
  return events.map((e) => `${e.type} ${e.object.metadata.name}`);
}

describe('createInformer', () => {
  let clock: FakeClock;
  let store: ResourceStore;
  let stop: AbortController;
  let run: TestRun;

  beforeEach(() => {
    clock = new FakeClock(Date.parse('2025-01-01T00:00:00Z'));
    store = openSqliteStore({ path: ':memory:', clock, pollIntervalMs: 50, changeLogRetention: 3 });
    stop = new AbortController();
    run = newRun();
  });

  afterEach(async () => {
    stop.abort();
    await store.close();
  });

  it('lists, then follows the watch; the cache answers get and list', async () => {
    await store.create('Node', nodeObject(run, 'a'));
    await store.create('Node', nodeObject(run, 'skip', { labels: { other: 'x' } }));
    const events: WatchEvent<'Node'>[] = [];
    const inf = createInformer(store, 'Node', {
      labelSelector: `${run.selector},!other`,
      signal: stop.signal,
      clock,
      log: captureLog().log,
      onEvent: (e) => events.push(e),
    });
    await inf.synced;
    expect(names(events)).toEqual([`ADDED ${run.name('a')}`]);

    const b = await store.create('Node', nodeObject(run, 'b'));
    await store.update('Node', { ...b, spec: { unschedulable: true } });
    await store.delete('Node', run.name('a'));
    await until(clock, () => events.length === 4, 'three watch events');
    expect(names(events).slice(1)).toEqual([
      `ADDED ${run.name('b')}`,
      `MODIFIED ${run.name('b')}`,
      `DELETED ${run.name('a')}`,
    ]);
    expect(inf.get(run.name('a'))).toBeUndefined();
    expect(inf.get(run.name('b'))?.spec?.unschedulable).toBe(true);
    expect(inf.list().map((n) => n.metadata.name)).toEqual([run.name('b')]);
  });

  it('relists when its watch expired and emits only the differences', async () => {
    const capture = captureLog();
    await store.create('Node', nodeObject(run, 'kept'));
    const changed = await store.create('Node', nodeObject(run, 'changed'));
    await store.create('Node', nodeObject(run, 'gone'));
    const events: WatchEvent<'Node'>[] = [];
    const inf = createInformer(store, 'Node', {
      signal: stop.signal,
      clock,
      log: capture.log,
      onEvent: (e) => events.push(e),
    });
    await inf.synced;
    expect(events).toHaveLength(3);

    // More changes than the log keeps (3) land before the watch polls again.
    await store.update('Node', { ...changed, spec: { unschedulable: true } });
    await store.delete('Node', run.name('gone'));
    const fresh = await store.create('Node', nodeObject(run, 'fresh'));
    await store.update('Node', { ...fresh, metadata: { ...fresh.metadata, labels: run.labels({ v: '2' }) } });
    await store.create('Node', nodeObject(run, 'temp'));
    await store.delete('Node', run.name('temp'));

    await until(clock, () => events.length >= 6, 'the relist events');
    const relisted = names(events.slice(3)).sort();
    expect(relisted).toEqual(
      [`ADDED ${run.name('fresh')}`, `DELETED ${run.name('gone')}`, `MODIFIED ${run.name('changed')}`].sort(),
    );
    expect(inf.get(run.name('fresh'))?.metadata.labels?.['v']).toBe('2');
    const { items } = await store.list('Node');
    expect(inf.list().sort((x, y) => x.metadata.name.localeCompare(y.metadata.name))).toEqual(items);
    expect(capture.lines().some((l) => l.msg.startsWith('watch expired, relisting'))).toBe(true);

    // And it keeps watching after the relist.
    await store.create('Node', nodeObject(run, 'later'));
    await until(clock, () => inf.get(run.name('later')) !== undefined, 'the node created after the relist');
  });

  it('logs a failing watch and retries it with backoff until it works again', async () => {
    const capture = captureLog();
    let failures = 2;
    const flaky: ResourceStore = {
      get: (...a) => store.get(...a),
      list: (...a) => store.list(...a),
      create: (...a) => store.create(...a),
      update: (...a) => store.update(...a),
      updateStatus: (...a) => store.updateStatus(...a),
      delete: (...a) => store.delete(...a),
      close: () => store.close(),
      watch: (kind, options) => {
        if (failures > 0) {
          failures--;
          throw new KedgeError('KEDGE_STORE_UNAVAILABLE', 'database is locked');
        }
        return store.watch(kind, options);
      },
    };
    const inf = createInformer(flaky, 'Node', { signal: stop.signal, clock, log: capture.log });
    await inf.synced;
    await store.create('Node', nodeObject(run, 'after-failures'));
    await until(
      clock,
      () => inf.get(run.name('after-failures')) !== undefined,
      'the node after two watch failures',
    );
    const warnings = capture.lines().filter((l) => l.level === 40);
    expect(warnings).toHaveLength(2);
    expect(warnings[0]?.msg).toContain('database is locked');
  });

  it('synced rejects when the signal aborts before the first list', async () => {
    await store.close();
    const inf = createInformer(store, 'Node', { signal: stop.signal, clock, log: captureLog().log });
    stop.abort(new Error('shutting down'));
    const err = await inf.synced.catch((e: unknown) => e);
    expect(String(err)).toContain('shutting down');
    expect(hasCode(err, 'KEDGE_STORE_UNAVAILABLE')).toBe(false);
  });
});
