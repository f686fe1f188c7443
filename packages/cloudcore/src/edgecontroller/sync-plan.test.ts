import type { Pod } from '@kedge/api';
import { describe, expect, it } from 'vitest';
import { podReferences } from './pod-references.ts';
import { desiredObjects, isNewerVersion, planSync, type SyncRecord } from './sync-plan.ts';

const pod = (name: string, spec: Partial<Pod['spec']> = {}, rv = '10'): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'shop', uid: `uid-${name}`, resourceVersion: rv },
  spec: { nodeName: 'edge-1', containers: [{ name: 'c', image: 'app:v1' }], ...spec },
});

const object = (kind: 'ConfigMap' | 'Secret', name: string, rv = '5') => ({
  apiVersion: 'v1',
  kind,
  metadata: { name, namespace: 'shop', uid: `uid-${kind}-${name}`, resourceVersion: rv },
});

const usesAll = pod('web', {
  containers: [
    {
      name: 'c',
      image: 'app:v1',
      env: [
        { name: 'A', valueFrom: { configMapKeyRef: { name: 'env-cm', key: 'a' } } },
        { name: 'B', valueFrom: { secretKeyRef: { name: 'env-secret', key: 'b' } } },
        { name: 'C', value: 'literal' },
      ],
      envFrom: [{ configMapRef: { name: 'from-cm' } }, { secretRef: { name: 'from-secret' } }],
    },
  ],
  initContainers: [
    {
      name: 'i',
      image: 'app:v1',
      env: [{ name: 'D', valueFrom: { secretKeyRef: { name: 'init-s', key: 'd' } } }],
    },
  ],
  volumes: [
    { name: 'v1', configMap: { name: 'vol-cm' } },
    { name: 'v2', secret: { secretName: 'vol-secret' } },
    { name: 'v3', emptyDir: {} },
  ],
  imagePullSecrets: [{ name: 'pull' }],
});

describe('what a pod makes its node read', () => {
  it('names every ConfigMap and Secret its env, envFrom, volumes and imagePullSecrets use, in its namespace', () => {
    expect([...podReferences(usesAll)].sort()).toEqual([
      'ConfigMap/shop/env-cm',
      'ConfigMap/shop/from-cm',
      'ConfigMap/shop/vol-cm',
      'Secret/shop/env-secret',
      'Secret/shop/from-secret',
      'Secret/shop/init-s',
      'Secret/shop/pull',
      'Secret/shop/vol-secret',
    ]);
  });

  it('desired set: the pods and the referenced objects that exist, each once', () => {
    const store = new Map([
      ['ConfigMap/shop/env-cm', object('ConfigMap', 'env-cm')],
      ['Secret/shop/pull', object('Secret', 'pull')],
      ['Secret/shop/unused', object('Secret', 'unused')],
    ]);
    const other = pod('api', { imagePullSecrets: [{ name: 'pull' }] });
    const desired = desiredObjects([usesAll, other], (kind, ns, name) => store.get(`${kind}/${ns}/${name}`));
    expect(desired.map((d) => `${d.kind}/${d.name}@${d.resourceVersion}`).sort()).toEqual([
      'ConfigMap/env-cm@5',
      'Pod/api@10',
      'Pod/web@10',
      'Secret/pull@5',
    ]);
  });
});

describe('the sync plan against the ObjectSync records', () => {
  const web = pod('web');
  const desired = desiredObjects([web], () => undefined);
  const rec = (resourceVersion: string, name = 'web'): SyncRecord => ({
    kind: 'Pod',
    namespace: 'shop',
    name,
    resourceVersion,
  });

  it('inserts what has no record, updates only what is newer, deletes records of objects gone', () => {
    expect(planSync(desired, new Map()).map((s) => s.op)).toEqual(['insert']);
    expect(planSync(desired, new Map([['uid-web', rec('10')]]))).toEqual([]);
    expect(planSync(desired, new Map([['uid-web', rec('11')]]))).toEqual([]);
    expect(planSync(desired, new Map([['uid-web', rec('9')]])).map((s) => s.op)).toEqual(['update']);
    expect(planSync(desired, new Map([['uid-web', rec('')]])).map((s) => s.op)).toEqual(['update']);
    const gone = planSync([], new Map([['uid-old', rec('3', 'old')]]));
    expect(gone).toEqual([{ op: 'delete', uid: 'uid-old', record: rec('3', 'old') }]);
  });

  it('a re-created object: delete of the old UID first, then insert of the new one', () => {
    const steps = planSync(desired, new Map([['uid-previous-web', rec('4')]]));
    expect(steps.map((s) => s.op)).toEqual(['delete', 'insert']);
  });

  it('skips what is in flight at the same version, not a newer one', () => {
    expect(planSync(desired, new Map(), new Map([['uid-web', '10']]))).toEqual([]);
    expect(planSync(desired, new Map(), new Map([['uid-web', '9']])).map((s) => s.op)).toEqual(['insert']);
    expect(planSync([], new Map([['uid-old', rec('3')]]), new Map([['uid-old', 'delete']]))).toEqual([]);
  });

  it('compares resourceVersions as numbers (uint64), not strings', () => {
    expect(isNewerVersion('10', '9')).toBe(true);
    expect(isNewerVersion('9', '10')).toBe(false);
    expect(isNewerVersion('18446744073709551615', '18446744073709551614')).toBe(true);
    expect(isNewerVersion('5', '')).toBe(true);
  });

  it('does not resend a filtered slice whose view is unchanged, only a newer slice version', () => {
    expect(isNewerVersion('43~0123456789ab', '42~0123456789ab')).toBe(false);
    expect(isNewerVersion('43~ba9876543210', '42~0123456789ab')).toBe(true);
    expect(isNewerVersion('43', '42~0123456789ab')).toBe(true);
    const slice = {
      ...desired[0]!,
      uid: 'uid-slice',
      kind: 'EndpointSlice' as const,
      resourceVersion: '43~aaa',
    };
    const held = new Map([['uid-slice', { ...rec('42~aaa'), kind: 'EndpointSlice' as const }]]);
    expect(planSync([slice], held)).toEqual([]);
    expect(planSync([slice], new Map(), new Map([['uid-slice', '42~aaa']]))).toEqual([]);
    expect(planSync([{ ...slice, resourceVersion: '43~bbb' }], held).map((s) => s.op)).toEqual(['update']);
  });
});
