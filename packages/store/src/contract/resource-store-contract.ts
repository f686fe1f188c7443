// The behaviour every ResourceStore backend owes its callers, as one vitest
// suite: the SQLite backend runs it against temp files, the Kubernetes
// backend against a real kube-apiserver. Node covers cluster-scoped kinds;
// Event (when @kedge/api serves it) covers namespaced ones.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isDeepStrictEqual } from 'node:util';
import { kinds, type ResourceOf } from '@kedge/api';
import type { ResourceStore } from '../resource-store.ts';
import {
  collect,
  EVENT_KIND,
  eventObject,
  nameOf,
  newRun,
  nodeObject,
  rejection,
  summary,
  versionOf,
  type TestRun,
} from './contract-helpers.ts';
import { forgedStatusCases } from './forged-status.ts';

export interface ContractStore {
  store: ResourceStore;
  cleanup(): Promise<void>;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

export function describeResourceStoreContract(name: string, makeStore: () => Promise<ContractStore>): void {
  describe(`ResourceStore contract: ${name}`, () => {
    let made: ContractStore;
    let store: ResourceStore;
    let run: TestRun;

    beforeEach(async () => {
      made = await makeStore();
      store = made.store;
      run = newRun();
    });

    afterEach(async () => {
      await made.cleanup();
    });

    describe('create, get, list', () => {
      it('create fills the server-owned metadata and get returns the stored object', async () => {
        const created = await store.create('Node', nodeObject(run, 'a', { labels: { zone: 'x' } }));
        expect(created.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
        expect(created.metadata.creationTimestamp).toMatch(RFC3339);
        expect(versionOf(created)).toMatch(/^\S+$/);
        expect(created.metadata.labels).toEqual(run.labels({ zone: 'x' }));
        expect(created.metadata.namespace ?? '').toBe('');
        expect(await store.get('Node', run.name('a'))).toEqual(created);
      });

      it('create of a name that exists fails with KEDGE_STORE_ALREADY_EXISTS and changes nothing', async () => {
        const first = await store.create('Node', nodeObject(run, 'dup'));
        const err = await rejection(store.create('Node', nodeObject(run, 'dup', { unschedulable: true })));
        expect(err.code).toBe('KEDGE_STORE_ALREADY_EXISTS');
        expect(err.context.resource).toBe(`Node/${run.name('dup')}`);
        expect(await store.get('Node', run.name('dup'))).toEqual(first);
      });

      it('a missing object: get is undefined, update and delete fail with KEDGE_STORE_NOT_FOUND', async () => {
        expect(await store.get('Node', run.name('ghost'))).toBeUndefined();
        const ghost = {
          ...nodeObject(run, 'ghost'),
          metadata: { name: run.name('ghost'), resourceVersion: '1' },
        };
        const upd = await rejection(store.update('Node', ghost));
        expect(upd.code).toBe('KEDGE_STORE_NOT_FOUND');
        expect(upd.context.resource).toBe(`Node/${run.name('ghost')}`);
        expect((await rejection(store.delete('Node', run.name('ghost')))).code).toBe('KEDGE_STORE_NOT_FOUND');
      });

      it('a namespace on a cluster-scoped kind is rejected', async () => {
        const obj = nodeObject(run, 'ns');
        obj.metadata.namespace = 'default';
        const err = await rejection(store.create('Node', obj));
        expect(err.code).toBe('KEDGE_RESOURCE_INVALID');
        expect(err.message).toContain('metadata.namespace');
        expect(await store.get('Node', run.name('ns'))).toBeUndefined();
      });

      it('list filters by label selector in every Kubernetes form', async () => {
        await store.create('Node', nodeObject(run, 'n1', { labels: { zone: 'a', tier: 'edge' } }));
        await store.create('Node', nodeObject(run, 'n2', { labels: { zone: 'b', tier: 'edge' } }));
        await store.create('Node', nodeObject(run, 'n3', { labels: { zone: 'c' } }));
        await store.create('Node', nodeObject(run, 'n4'));
        const names = async (selector: string): Promise<string[]> => {
          const { items } = await store.list('Node', { labelSelector: `${run.selector},${selector}` });
          return items.map((n) => n.metadata.name.slice(run.id.length + 1)).sort();
        };
        expect(await names('zone=a')).toEqual(['n1']);
        expect(await names('zone==b')).toEqual(['n2']);
        expect(await names('zone!=a')).toEqual(['n2', 'n3', 'n4']);
        expect(await names('zone in (a, c)')).toEqual(['n1', 'n3']);
        expect(await names('zone notin (a,b)')).toEqual(['n3', 'n4']);
        expect(await names('tier')).toEqual(['n1', 'n2']);
        expect(await names('!tier')).toEqual(['n3', 'n4']);
        expect(await names('tier=edge,zone=b')).toEqual(['n2']);
        const all = await store.list('Node', { labelSelector: run.selector });
        expect(all.items).toHaveLength(4);
        expect(all.resourceVersion).toMatch(/^\S+$/);
      });

      it('a malformed label selector is rejected naming labelSelector', async () => {
        const err = await rejection(store.list('Node', { labelSelector: 'zone in a,b' }));
        expect(err.code).toBe('KEDGE_RESOURCE_INVALID');
        expect(err.message).toContain('labelSelector');
      });
    });

    describe('optimistic concurrency', () => {
      it('of two writers that read the same version, the second fails with KEDGE_STORE_CONFLICT', async () => {
        await store.create('Node', nodeObject(run, 'race'));
        const a = await store.get('Node', run.name('race'));
        const b = await store.get('Node', run.name('race'));
        if (!a || !b) throw new Error('node vanished');
        a.metadata.labels = { ...a.metadata.labels, writer: 'a' };
        b.metadata.labels = { ...b.metadata.labels, writer: 'b' };
        const won = await store.update('Node', a);
        expect(versionOf(won)).not.toBe(versionOf(b));
        const err = await rejection(store.update('Node', b));
        expect(err.code).toBe('KEDGE_STORE_CONFLICT');
        expect(err.context.resource).toBe(`Node/${run.name('race')}`);
        expect(err.message).toContain(versionOf(b));
        expect(err.message).toContain(versionOf(won));
        expect((await store.get('Node', run.name('race')))?.metadata.labels?.['writer']).toBe('a');
      });

      it('an update without resourceVersion fails with KEDGE_STORE_CONFLICT', async () => {
        const created = await store.create('Node', nodeObject(run, 'norv'));
        const { resourceVersion: _rv, ...metadata } = created.metadata;
        const err = await rejection(
          store.update('Node', { ...created, metadata: { ...metadata, labels: {} } }),
        );
        expect(err.code).toBe('KEDGE_STORE_CONFLICT');
        expect(await store.get('Node', run.name('norv'))).toEqual(created);
      });

      it('each write returns a new resourceVersion and get sees it', async () => {
        const v1 = await store.create('Node', nodeObject(run, 'rv'));
        const v2 = await store.update('Node', {
          ...v1,
          metadata: { ...v1.metadata, labels: run.labels({ k: 'v' }) },
        });
        expect(versionOf(v2)).not.toBe(versionOf(v1));
        expect(versionOf(await store.get('Node', run.name('rv')))).toBe(versionOf(v2));
      });
    });

    describe('status subresource', () => {
      it('update() keeps the stored status; updateStatus() changes only status', async () => {
        const created = await store.updateStatus('Node', {
          ...(await store.create('Node', nodeObject(run, 'st'))),
          status: { conditions: [{ type: 'Ready', status: 'False' }] },
        });
        const spec = await store.update('Node', {
          ...created,
          spec: { unschedulable: true },
          status: { conditions: [{ type: 'Ready', status: 'True' }] },
        });
        expect(spec.spec?.unschedulable).toBe(true);
        expect(spec.status?.conditions).toEqual([{ type: 'Ready', status: 'False' }]);
        expect(spec.status).toEqual(created.status);

        const status = await store.updateStatus('Node', {
          ...spec,
          metadata: { ...spec.metadata, labels: { sneaky: 'yes' } },
          spec: { unschedulable: false },
          status: { conditions: [{ type: 'Ready', status: 'True' }] },
        });
        expect(status.status?.conditions?.[0]?.status).toBe('True');
        expect(status.spec?.unschedulable).toBe(true);
        expect(status.metadata.labels).toEqual(run.labels());
        expect(versionOf(status)).not.toBe(versionOf(spec));
        expect(await store.get('Node', run.name('st'))).toEqual(status);
      });

      it('a custom resource ignores status on create, takes it through updateStatus, rejects unknown fields', async () => {
        const group = {
          apiVersion: 'apps.kubeedge.io/v1alpha1',
          kind: 'NodeGroup',
          metadata: { name: run.name('group'), labels: run.labels() },
          spec: { nodes: ['edge-1'] },
          status: {
            nodeStatuses: [{ nodeName: 'edge-1', readyStatus: 'Ready', selectionStatus: 'Succeeded' }],
          },
        } satisfies ResourceOf<'NodeGroup'>;
        const created = await store.create('NodeGroup', group);
        expect(created.status).toBeUndefined();
        const withStatus = await store.updateStatus('NodeGroup', { ...created, status: group.status });
        expect(withStatus.status).toEqual(group.status);
        expect(withStatus.spec).toEqual(group.spec);

        const bogus = { ...group, metadata: { name: run.name('bogus') }, spec: { nodes: [], bogus: 1 } };
        const err = await rejection(store.create('NodeGroup', bogus as unknown as ResourceOf<'NodeGroup'>));
        expect(err.code).toBe('KEDGE_RESOURCE_INVALID');
        expect(err.message).toContain('spec.bogus');
        expect(await store.get('NodeGroup', run.name('bogus'))).toBeUndefined();
      });

      it('create() and update() store no status from the caller, for every kind', async () => {
        // Compared with a twin created without status: what the server defaults (kube-apiserver
        // fills a Node's empty status) is fine, anything from the caller is not.
        const stored: string[] = [];
        for (const { kind, object, status } of forgedStatusCases(run)) {
          const { status: _s, ...bare } = object as typeof object & { status?: unknown };
          const twinName = `${nameOf(object)}-bare`;
          const twin = await store.create(kind, {
            ...bare,
            metadata: { ...object.metadata, name: twinName },
          } as typeof object);
          const created = await store.create(kind, object);
          const replaced = await store.update(kind, { ...created, status } as typeof created);
          const got = await store.get(kind, nameOf(created), created.metadata.namespace);
          for (const [step, obj] of [
            ['create', created],
            ['update', replaced],
            ['get', got],
          ] as const) {
            const seen = (obj as { status?: unknown } | undefined)?.status;
            if (!isDeepStrictEqual(seen, twin.status))
              stored.push(`${kind} ${step}: ${JSON.stringify(seen)}`);
          }
        }
        expect(stored).toEqual([]);
      });

      it('update() keeps the status written through updateStatus(), for every kind that has one', async () => {
        const changed: string[] = [];
        for (const { kind, object, status } of forgedStatusCases(run)) {
          if (!kinds[kind].statusSubresource) continue;
          const { status: _forged, ...spec } = object as typeof object & { status?: unknown };
          const created = await store.create(kind, spec as typeof object);
          const observed = await store.updateStatus(kind, { ...created, status } as typeof created);
          const forged = JSON.parse(
            JSON.stringify(status).replaceAll('forged-node', 'other-node'),
          ) as unknown;
          const replaced = await store.update(kind, { ...observed, status: forged } as typeof observed);
          if (!isDeepStrictEqual(replaced.status, observed.status))
            changed.push(`${kind}: ${JSON.stringify(replaced.status)}`);
        }
        expect(changed).toEqual([]);
      });

      it('updateStatus() with a stale resourceVersion fails with KEDGE_STORE_CONFLICT', async () => {
        const created = await store.create('Node', nodeObject(run, 'st2'));
        await store.update('Node', { ...created, spec: { unschedulable: true } });
        const err = await rejection(
          store.updateStatus('Node', {
            ...created,
            status: { conditions: [{ type: 'Ready', status: 'True' }] },
          }),
        );
        expect(err.code).toBe('KEDGE_STORE_CONFLICT');
      });
    });

    describe('delete and finalizers', () => {
      it('delete removes the object; a stale resourceVersion precondition fails', async () => {
        const created = await store.create('Node', nodeObject(run, 'del'));
        await store.update('Node', { ...created, spec: { unschedulable: true } });
        const err = await rejection(
          store.delete('Node', run.name('del'), undefined, { resourceVersion: versionOf(created) }),
        );
        expect(err.code).toBe('KEDGE_STORE_CONFLICT');
        expect(await store.get('Node', run.name('del'))).toBeDefined();
        await store.delete('Node', run.name('del'));
        expect(await store.get('Node', run.name('del'))).toBeUndefined();
      });

      it('an object with finalizers is only marked, and goes once an update empties them', async () => {
        const start = await store.list('Node', { labelSelector: run.selector });
        await store.create('Node', nodeObject(run, 'fin', { finalizers: ['kedge.io/contract'] }));
        await store.delete('Node', run.name('fin'));
        const marked = await store.get('Node', run.name('fin'));
        expect(marked?.metadata.deletionTimestamp).toMatch(RFC3339);
        expect(marked?.metadata.finalizers).toEqual(['kedge.io/contract']);

        await store.delete('Node', run.name('fin')); // again: nothing changes
        expect(versionOf(await store.get('Node', run.name('fin')))).toBe(versionOf(marked));

        if (!marked) throw new Error('node vanished');
        await store.update('Node', { ...marked, metadata: { ...marked.metadata, finalizers: [] } });
        expect(await store.get('Node', run.name('fin'))).toBeUndefined();

        const events = await collect(
          store,
          'Node',
          { resourceVersion: start.resourceVersion, labelSelector: run.selector },
          3,
        );
        expect(summary(events)).toEqual([
          `ADDED ${run.name('fin')}`,
          `MODIFIED ${run.name('fin')}`,
          `DELETED ${run.name('fin')}`,
        ]);
        expect(events[1]?.object.metadata.deletionTimestamp).toBeDefined();
      });
    });

    describe('watch', () => {
      it('delivers every change in order, carrying the version each write returned', async () => {
        const { resourceVersion } = await store.list('Node', { labelSelector: run.selector });
        const watching = collect(store, 'Node', { resourceVersion, labelSelector: run.selector }, 5);
        const a = await store.create('Node', nodeObject(run, 'w1'));
        const b = await store.update('Node', { ...a, spec: { unschedulable: true } });
        const c = await store.updateStatus('Node', {
          ...b,
          status: { conditions: [{ type: 'Ready', status: 'True' }] },
        });
        const d = await store.create('Node', nodeObject(run, 'w2'));
        await store.delete('Node', run.name('w1'));
        const events = await watching;
        expect(summary(events)).toEqual([
          `ADDED ${run.name('w1')}`,
          `MODIFIED ${run.name('w1')}`,
          `MODIFIED ${run.name('w1')}`,
          `ADDED ${run.name('w2')}`,
          `DELETED ${run.name('w1')}`,
        ]);
        expect(events.slice(0, 4).map((e) => versionOf(e.object))).toEqual([a, b, c, d].map(versionOf));
        expect(events[2]?.object).toEqual(c);
      });

      it('from a resourceVersion replays exactly the later changes', async () => {
        await store.create('Node', nodeObject(run, 'r1'));
        const mark = await store.create('Node', nodeObject(run, 'r2'));
        const r3 = await store.create('Node', nodeObject(run, 'r3'));
        await store.update('Node', { ...mark, spec: { unschedulable: true } });
        await store.delete('Node', run.name('r3'));
        const events = await collect(
          store,
          'Node',
          { resourceVersion: versionOf(mark), labelSelector: run.selector },
          3,
        );
        expect(summary(events)).toEqual([
          `ADDED ${run.name('r3')}`,
          `MODIFIED ${run.name('r2')}`,
          `DELETED ${run.name('r3')}`,
        ]);
        expect(events[0]?.object).toEqual(r3);
        // Nothing else arrives: a fourth event would be a replay bug.
        const more = await collect(
          store,
          'Node',
          { resourceVersion: versionOf(mark), labelSelector: run.selector },
          4,
          500,
        ).catch((err: unknown) => err);
        expect(String(more)).toContain('got 3 of 4');
      });

      it('with a label selector: leaving the selection is DELETED, joining it is ADDED', async () => {
        const { resourceVersion } = await store.list('Node', { labelSelector: run.selector });
        const watching = collect(
          store,
          'Node',
          { resourceVersion, labelSelector: `${run.selector},group=g1` },
          3,
        );
        const n = await store.create('Node', nodeObject(run, 'sel', { labels: { group: 'g1' } }));
        const out = await store.update('Node', {
          ...n,
          metadata: { ...n.metadata, labels: run.labels({ group: 'g2' }) },
        });
        await store.create('Node', nodeObject(run, 'other', { labels: { group: 'g2' } }));
        await store.update('Node', {
          ...out,
          metadata: { ...out.metadata, labels: run.labels({ group: 'g1' }) },
        });
        const events = await watching;
        expect(summary(events)).toEqual([
          `ADDED ${run.name('sel')}`,
          `DELETED ${run.name('sel')}`,
          `ADDED ${run.name('sel')}`,
        ]);
      });

      it('ends cleanly when its signal aborts', async () => {
        const stop = new AbortController();
        const seen: string[] = [];
        const { resourceVersion } = await store.list('Node', { labelSelector: run.selector });
        const done = (async () => {
          for await (const e of store.watch('Node', {
            resourceVersion,
            labelSelector: run.selector,
            signal: stop.signal,
          })) {
            seen.push(nameOf(e.object));
            stop.abort();
          }
        })();
        await store.create('Node', nodeObject(run, 'stop'));
        await done;
        expect(seen).toEqual([run.name('stop')]);
      });
    });

    describe('validation', () => {
      it('an object that fails the schema is rejected naming the field, and nothing is stored', async () => {
        const { resourceVersion } = await store.list('Node', { labelSelector: run.selector });
        const bad = nodeObject(run, 'bad') as unknown as { spec: Record<string, unknown> };
        bad.spec['unschedulable'] = 'yes';
        const err = await rejection(store.create('Node', bad as unknown as ResourceOf<'Node'>));
        expect(err.code).toBe('KEDGE_RESOURCE_INVALID');
        expect(err.message).toContain('spec.unschedulable');
        expect(err.context.resource).toBe(`Node/${run.name('bad')}`);
        expect(await store.get('Node', run.name('bad'))).toBeUndefined();

        const good = await store.create('Node', nodeObject(run, 'bad'));
        const worse = structuredClone(good) as unknown as { metadata: { labels: unknown } };
        worse.metadata.labels = { ok: 7 };
        const err2 = await rejection(store.update('Node', worse as unknown as ResourceOf<'Node'>));
        expect(err2.code).toBe('KEDGE_RESOURCE_INVALID');
        expect(err2.message).toContain('metadata.labels.ok');
        expect(await store.get('Node', run.name('bad'))).toEqual(good);
        const events = await collect(store, 'Node', { resourceVersion, labelSelector: run.selector }, 1);
        expect(summary(events)).toEqual([`ADDED ${run.name('bad')}`]);
      });
    });

    describe.skipIf(EVENT_KIND === undefined)('namespaced kinds (Event)', () => {
      const kind = (EVENT_KIND ?? 'Node') as 'Node';
      const event = (suffix: string, namespace?: string): ResourceOf<'Node'> =>
        eventObject(run, suffix, namespace) as unknown as ResourceOf<'Node'>;

      it('a missing namespace means default; the same name may exist in two namespaces', async () => {
        const inDefault = await store.create(kind, event('e1'));
        expect(inDefault.metadata.namespace).toBe('default');
        const inPublic = await store.create(kind, event('e1', 'kube-public'));
        expect(inPublic.metadata.uid).not.toBe(inDefault.metadata.uid);
        expect(await store.get(kind, run.name('e1'))).toEqual(inDefault);
        expect(await store.get(kind, run.name('e1'), 'kube-public')).toEqual(inPublic);
        const listed = await store.list(kind, { namespace: 'kube-public', labelSelector: run.selector });
        expect(listed.items.map((e) => e.metadata.namespace)).toEqual(['kube-public']);
        const everywhere = await store.list(kind, { labelSelector: run.selector });
        expect(everywhere.items).toHaveLength(2);
        await store.delete(kind, run.name('e1'), 'kube-public');
        expect(await store.get(kind, run.name('e1'), 'kube-public')).toBeUndefined();
        expect(await store.get(kind, run.name('e1'))).toEqual(inDefault);
      });

      it('a namespaced watch sees only its namespace', async () => {
        const { resourceVersion } = await store.list(kind, { labelSelector: run.selector });
        await store.create(kind, event('x1', 'kube-public'));
        await store.create(kind, event('x2', 'default'));
        await store.create(kind, event('x3', 'kube-public'));
        const events = await collect(
          store,
          kind,
          { resourceVersion, namespace: 'kube-public', labelSelector: run.selector },
          2,
        );
        expect(summary(events as never)).toEqual([`ADDED ${run.name('x1')}`, `ADDED ${run.name('x3')}`]);
      });
    });
  });
}
