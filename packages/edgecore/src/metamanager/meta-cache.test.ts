import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openEdgeDatabase, type EdgeDatabase } from '../database/index.ts';
import { MetaCache } from './meta-cache.ts';

const pod = (name: string, rv: string, uid = `uid-${name}`, extra: object = {}) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default', resourceVersion: rv, uid },
  ...extra,
});

describe('MetaCache', () => {
  let edb: EdgeDatabase;
  let now = 1000;
  let cache: MetaCache;

  beforeEach(() => {
    edb = openEdgeDatabase(':memory:');
    cache = new MetaCache({ db: edb.db, clock: { now: () => now } });
  });
  afterEach(() => edb.close());

  it('stores and returns an object by <ns>/<type>/<name>', () => {
    expect(cache.upsert('default', 'pod', 'web', pod('web', '5'), '5')).toBe('applied');
    expect(cache.get('default/pod/web')).toEqual({
      key: 'default/pod/web',
      namespace: 'default',
      type: 'pod',
      name: 'web',
      resourceVersion: '5',
      value: pod('web', '5'),
    });
    expect(cache.get('default/pod/other')).toBeUndefined();
  });

  it('lists one namespace and type only, by name', () => {
    cache.upsert('default', 'pod', 'b', pod('b', '1'));
    cache.upsert('default', 'pod', 'a', pod('a', '2'));
    cache.upsert('default', 'pods', 'x', { kind: 'Other' });
    cache.upsert('default', 'configmap', 'c', { kind: 'ConfigMap' });
    cache.upsert('default2', 'pod', 'd', pod('d', '3'));
    cache.upsert('', 'node', 'edge-1', { kind: 'Node' });
    expect(cache.list('default', 'pod').map((e) => e.name)).toEqual(['a', 'b']);
    expect(cache.listType('pod').map((e) => e.key)).toEqual([
      'default/pod/a',
      'default/pod/b',
      'default2/pod/d',
    ]);
    expect(cache.list('null', 'node').map((e) => e.key)).toEqual(['null/node/edge-1']);
  });

  it('never goes back to an older resourceVersion', () => {
    cache.upsert('default', 'pod', 'web', pod('web', '10'), '10');
    expect(cache.upsert('default', 'pod', 'web', pod('web', '9'), '9')).toBe('stale');
    expect(cache.get('default/pod/web')?.resourceVersion).toBe('10');
    expect(cache.upsert('default', 'pod', 'web', pod('web', '11'), '11')).toBe('applied');
    expect(cache.get('default/pod/web')?.resourceVersion).toBe('11');
  });

  it('deletes unless the delete is about an older version or another incarnation', () => {
    cache.upsert('default', 'pod', 'web', pod('web', '10', 'uid-2'), '10');
    expect(cache.delete('default/pod/web', { resourceVersion: '9' })).toBe('stale');
    expect(cache.delete('default/pod/web', { uid: 'uid-1' })).toBe('uid-mismatch');
    expect(cache.get('default/pod/web')).toBeDefined();
    expect(cache.delete('default/pod/web', { resourceVersion: '12', uid: 'uid-2' })).toBe('deleted');
    expect(cache.delete('default/pod/web')).toBe('absent');
  });

  it('tracks the cloud connection with timestamps', () => {
    expect(cache.connected).toBe(false);
    cache.setConnected(false);
    expect(cache.lastDisconnectedAt).toBeUndefined();
    cache.setConnected(true);
    expect(cache).toMatchObject({ connected: true, lastConnectedAt: 1000 });
    now = 2000;
    cache.setConnected(false);
    expect(cache).toMatchObject({ connected: false, lastConnectedAt: 1000, lastDisconnectedAt: 2000 });
  });

  it('refuses an update of a deleted UID for a day, then forgets it; tells listeners of applied writes only', () => {
    const seen: string[] = [];
    const stop = cache.onChange((e) => seen.push(`${e.type} ${e.key}`));
    cache.upsert('default', 'pod', 'web', pod('web', '10'), '10');
    expect(cache.delete('default/pod/web', { uid: 'uid-web' })).toBe('deleted');
    // A re-sent update older than the delete, then even one with a higher version: the UID is gone.
    expect(cache.upsert('default', 'pod', 'web', pod('web', '9'), '9')).toBe('stale');
    expect(cache.upsert('default', 'pod', 'web', pod('web', '11'), '11')).toBe('stale');
    expect(cache.get('default/pod/web')).toBeUndefined();
    // A delete of an object never seen remembers its UID too.
    expect(cache.delete('default/pod/db', { uid: 'uid-db' })).toBe('absent');
    expect(cache.upsert('default', 'pod', 'db', pod('db', '3'), '3')).toBe('stale');
    expect(seen).toEqual(['pod default/pod/web', 'pod default/pod/web']);

    now += 24 * 60 * 60 * 1000 + 1;
    cache.delete('default/pod/other');
    expect(cache.upsert('default', 'pod', 'web', pod('web', '12'), '12')).toBe('applied');
    stop();
    cache.delete('default/pod/web');
    expect(seen).toHaveLength(3);
  });
});
