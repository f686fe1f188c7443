// A node's ObjectSync record write that keeps failing is retried with backoff
// on the injected clock (0.5 s, then about 1 s, 2 s, ... up to 30 s), not every
// 0.5 s of wall time, and lands once the store takes it again.
import { FakeClock } from '@kedge/runtime';
import { openSqliteStore, type ResourceStore } from '@kedge/store';
import { tempDir, waitFor, type TempDir } from '@kedge/testing';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testLogger } from '../../test/task-cloud.ts';
import { ObjectSyncRecords, objectSyncName } from './object-sync-records.ts';

const settle = async (): Promise<void> => {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
};

describe('ObjectSync record writes that fail', () => {
  let dir: TempDir;
  let store: ResourceStore;

  beforeEach(async () => {
    dir = await tempDir('kedge-objectsync-records-');
    store = openSqliteStore({ path: join(dir.path, 'kedge.db'), log: testLogger(), pollIntervalMs: 10 });
  });
  afterEach(async () => {
    await store.close();
    await dir.cleanup();
  });

  it('are retried with growing delays on the clock, and written once the store recovers', async () => {
    let failing = true;
    let creates = 0;
    const flaky = new Proxy(store, {
      get(target, prop, receiver) {
        if (prop === 'create') {
          return async (...args: Parameters<ResourceStore['create']>) => {
            creates++;
            if (failing) throw new Error('disk full');
            return target.create(...args);
          };
        }
        const value: unknown = Reflect.get(target, prop, receiver);
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    const clock = new FakeClock();
    const records = new ObjectSyncRecords({ store: flaky, log: testLogger(), clock });
    await records.load('edge-1');
    records.set('edge-1', 'uid-1', {
      kind: 'ConfigMap',
      namespace: 'shop',
      name: 'cfg',
      resourceVersion: '7',
    });
    await waitFor(() => creates === 1);

    await clock.advance(500); // first retry after at most 0.5 s
    await settle();
    expect(creates).toBe(2);
    await clock.advance(500); // the second delay is at least 0.8 s: no retry yet
    await settle();
    expect(creates).toBe(2);
    await clock.advance(500);
    await settle();
    expect(creates).toBe(3);

    failing = false;
    await clock.advance(2000);
    await waitFor(
      async () => (await store.get('ConfigMap', objectSyncName('edge-1'), 'kubeedge')) !== undefined,
    );
    const cm = await store.get('ConfigMap', objectSyncName('edge-1'), 'kubeedge');
    expect(cm?.data?.['uid-1']).toBe('ConfigMap/shop/cfg/7');
  });
});
