// NodeObjects' answers to "which nodes use this ConfigMap/Secret" and "may
// this node read it", kept by its reverse index through pods added, changed
// and deleted, on the real embedded store.
import type { Pod } from '@kedge/api';
import { openSqliteStore, type ResourceStore } from '@kedge/store';
import { waitFor } from '@kedge/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testLogger } from '../../test/task-cloud.ts';
import { NodeObjects } from './node-objects.ts';

function pod(name: string, node: string, configMap: string, secret?: string): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'shop' },
    spec: {
      nodeName: node,
      containers: [
        {
          name: 'app',
          image: 'app:v1',
          envFrom: [{ configMapRef: { name: configMap } }],
          ...(secret
            ? { env: [{ name: 'P', valueFrom: { secretKeyRef: { name: secret, key: 'p' } } }] }
            : {}),
        },
      ],
    },
  };
}

describe('NodeObjects reverse index', () => {
  let store: ResourceStore;
  let objects: NodeObjects;
  let abort: AbortController;
  const changed: string[][] = [];

  beforeEach(async () => {
    store = openSqliteStore({ path: ':memory:', pollIntervalMs: 5 });
    abort = new AbortController();
    changed.length = 0;
    objects = new NodeObjects({
      store,
      log: testLogger(),
      signal: abort.signal,
      onChange: (nodes) => changed.push([...nodes]),
    });
    objects.start();
    await objects.synced;
  });

  afterEach(async () => {
    abort.abort();
    await store.close();
  });

  const users = (name: string, kind: 'ConfigMap' | 'Secret' = 'ConfigMap') =>
    [...objects.nodesReferencing(kind, 'shop', name)].sort();

  it('follows pods as they are bound, change what they reference and go away', async () => {
    await store.create('Pod', pod('a', 'n1', 'settings', 'db'));
    await store.create('Pod', pod('b', 'n1', 'settings'));
    await store.create('Pod', pod('c', 'n2', 'settings'));
    await waitFor(() => objects.podsOn('n2').length === 1, { what: 'the pods in the informer' });
    expect(users('settings')).toEqual(['n1', 'n2']);
    expect(users('db', 'Secret')).toEqual(['n1']);
    expect(objects.mayRead('n2', 'Secret', 'shop', 'db')).toBe(false);
    expect(objects.mayRead('n1', 'Secret', 'shop', 'db')).toBe(true);
    expect(objects.mayRead('n1', 'ConfigMap', 'other-namespace', 'settings')).toBe(false);

    // n1 keeps 'settings' while one of its two pods still references it
    await store.delete('Pod', 'a', 'shop');
    await waitFor(() => objects.podsOn('n1').length === 1, { what: 'pod a gone from the informer' });
    expect(users('settings')).toEqual(['n1', 'n2']);
    expect(users('db', 'Secret')).toEqual([]);
    expect(objects.mayRead('n1', 'Secret', 'shop', 'db')).toBe(false);

    // a changed pod drops its old reference and gains the new one
    const c = await store.get('Pod', 'c', 'shop');
    const next = pod('c', 'n2', 'other');
    next.metadata = c!.metadata;
    await store.update('Pod', next);
    await waitFor(() => users('other').length === 1, { what: 'the changed pod in the index' });
    expect(users('settings')).toEqual(['n1']);
    expect(objects.mayRead('n2', 'ConfigMap', 'shop', 'settings')).toBe(false);
    expect(objects.mayRead('n2', 'ConfigMap', 'shop', 'other')).toBe(true);

    // a ConfigMap write reaches exactly the nodes using it
    changed.length = 0;
    await store.create('ConfigMap', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'other', namespace: 'shop' },
      data: {},
    });
    await waitFor(() => changed.length > 0, { what: 'the ConfigMap change' });
    expect(changed).toEqual([['n2']]);
  });
});
