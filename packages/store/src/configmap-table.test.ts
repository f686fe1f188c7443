import { afterEach, describe, expect, it } from 'vitest';
import { openSqliteStore } from './sqlite-store.ts';
import { configMapTable } from './configmap-table.ts';
import type { ResourceStore } from './resource-store.ts';

const REF = { namespace: 'kubeedge', name: 'shared-table' };

describe('configMapTable', () => {
  let store: ResourceStore | undefined;
  afterEach(async () => {
    await store?.close();
    store = undefined;
  });

  it('creates the ConfigMap on the first write and changes it in place after', async () => {
    store = openSqliteStore({ path: ':memory:' });
    const table = configMapTable(store, REF);
    expect(await table.read()).toBeUndefined();
    await table.update((data) => ({ ...data, a: '1' }));
    await table.update((data) => ({ ...data, b: '2' }));
    expect(await table.read()).toEqual({ a: '1', b: '2' });
    const cm = await store.get('ConfigMap', REF.name, REF.namespace);
    expect(cm?.metadata.namespace).toBe('kubeedge');
  });

  it('writes nothing when the edit returns undefined, so a missing ConfigMap stays missing', async () => {
    store = openSqliteStore({ path: ':memory:' });
    const table = configMapTable(store, REF);
    await table.update(() => undefined);
    expect(await store.get('ConfigMap', REF.name, REF.namespace)).toBeUndefined();
  });

  it('keeps both of two writers that race on the first write', async () => {
    store = openSqliteStore({ path: ':memory:' });
    const one = configMapTable(store, REF);
    const two = configMapTable(store, REF);
    await Promise.all([one.update((d) => ({ ...d, one: 'x' })), two.update((d) => ({ ...d, two: 'y' }))]);
    expect(await one.read()).toEqual({ one: 'x', two: 'y' });
  });
});
