import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '@kedge/runtime';
import { openEdgeDatabase, type EdgeDatabase } from '../database/index.ts';
import { MetaCache } from '../metamanager/index.ts';
import { PodSet } from './pod-set.ts';

const pod = (name: string, nodeName: string, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default', uid: `uid-${name}`, resourceVersion: '1', ...extra },
  spec: { nodeName, containers: [{ name: 'c', image: 'busybox:1' }] },
});

describe('PodSet', () => {
  let edb: EdgeDatabase;
  let cache: MetaCache;
  const warnings: unknown[] = [];
  const log = createLogger({
    name: 'test',
    level: 'warn',
    destination: new Writable({
      write(chunk: Buffer, _enc, done) {
        warnings.push(JSON.parse(chunk.toString('utf8')));
        done();
      },
    }),
  });

  beforeEach(() => {
    edb = openEdgeDatabase(':memory:');
    cache = new MetaCache({ db: edb.db });
    warnings.length = 0;
  });
  afterEach(() => edb.close());

  it("runs this node's valid pods, terminates those marked for deletion, skips others' and invalid ones", () => {
    cache.upsert('default', 'pod', 'mine', pod('mine', 'edge-1'), '1');
    cache.upsert(
      'default',
      'pod',
      'going',
      pod('going', 'edge-1', { deletionTimestamp: '2026-01-01T00:00:00Z' }),
      '1',
    );
    cache.upsert('default', 'pod', 'theirs', pod('theirs', 'edge-2'), '1');
    cache.upsert('default', 'pod', 'nouid', pod('nouid', 'edge-1', { uid: undefined }), '1');
    cache.upsert('default', 'pod', 'bad', { ...pod('bad', 'edge-1'), spec: { nodeName: 'edge-1' } }, '1');
    const set = new PodSet(cache, 'edge-1', log);

    const desired = set.desired();
    expect([...desired.run.keys()]).toEqual(['uid-mine']);
    expect([...desired.terminate.keys()]).toEqual(['uid-going']);
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatchObject({ code: 'KEDGE_RESOURCE_INVALID', resource: 'default/pod/bad' });
    expect(warnings[1]).toMatchObject({
      resource: 'default/pod/nouid',
      problems: ['metadata.uid: required'],
    });

    set.desired();
    expect(warnings).toHaveLength(2); // once per resourceVersion
  });
});
