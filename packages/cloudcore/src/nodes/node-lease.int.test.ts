// NodeLeases on a real embedded store with a fake clock: the Lease
// kube-controller-manager reads as a node's heartbeat is created owned by
// its Node, renewed every quarter of its duration (not on every tick) with
// one write and no read while nobody else writes it, and renewed at once for
// a node that connects again.
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger, FakeClock } from '@kedge/runtime';
import { openSqliteStore, type ResourceStore } from '@kedge/store';
import { tempDir, type TempDir } from '@kedge/testing';
import { NODE_LEASE_NAMESPACE, NodeLeases } from './node-lease.ts';

const START = Date.parse('2030-01-01T00:00:00Z');

describe('NodeLeases', () => {
  let dir: TempDir;
  let store: ResourceStore;
  /** Calls that reached the store, by method (the real store, counted). */
  let calls: string[];
  let clock: FakeClock;
  let leases: NodeLeases;

  const lease = () => store.get('Lease', 'edge-1', NODE_LEASE_NAMESPACE);

  beforeEach(async () => {
    dir = await tempDir('kedge-node-lease-');
    clock = new FakeClock(START);
    store = openSqliteStore({ path: join(dir.path, 'kedge.db'), clock, pollIntervalMs: 5 });
    await store.create('Node', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'edge-1' }, spec: {} });
    calls = [];
    const counted = new Proxy(store, {
      get(target, prop, receiver) {
        const value: unknown = Reflect.get(target, prop, receiver);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          calls.push(`${String(prop)} ${String(args[0])}`);
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
    leases = new NodeLeases({
      store: counted,
      durationSeconds: 40,
      clock,
      log: createLogger({ name: 'test', level: 'silent' }),
    });
  });
  afterEach(async () => {
    await store.close();
    await dir.cleanup();
  });

  it('creates kube-node-lease/<node> held by the node and owned by its Node, as kubelet does', async () => {
    await leases.renewIfDue('edge-1');
    const node = await store.get('Node', 'edge-1');
    const created = await lease();
    expect(created?.spec).toEqual({
      holderIdentity: 'edge-1',
      leaseDurationSeconds: 40,
      renewTime: '2030-01-01T00:00:00.000000Z',
    });
    expect(created?.metadata.ownerReferences).toEqual([
      { apiVersion: 'v1', kind: 'Node', name: 'edge-1', uid: node?.metadata.uid },
    ]);
  });

  it('renews every quarter of the duration, not on every heartbeat tick', async () => {
    await leases.renewIfDue('edge-1');
    const first = await lease();
    await clock.advance(9_000);
    await leases.renewIfDue('edge-1');
    expect((await lease())?.metadata.resourceVersion).toBe(first?.metadata.resourceVersion);
    await clock.advance(1_000);
    await leases.renewIfDue('edge-1');
    expect((await lease())?.spec?.renewTime).toBe('2030-01-01T00:00:10.000000Z');
  });

  it('renews with one update and no read, like kubelet; a Lease someone else wrote is read again', async () => {
    await leases.renewIfDue('edge-1');
    await clock.advance(10_000);
    calls.length = 0;
    await leases.renewIfDue('edge-1');
    expect(calls).toEqual(['update Lease']);
    const mine = await lease();
    await store.update('Lease', { ...mine!, spec: { ...mine?.spec, holderIdentity: 'intruder' } });
    await clock.advance(10_000);
    calls.length = 0;
    await leases.renewIfDue('edge-1');
    expect(calls).toEqual(['update Lease', 'get Lease', 'update Lease']);
    expect((await lease())?.spec).toMatchObject({
      holderIdentity: 'edge-1',
      renewTime: '2030-01-01T00:00:20.000000Z',
    });
  });

  it('renews at once for a node that connects again, and takes over a Lease left by someone else', async () => {
    await store.create('Lease', {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'edge-1', namespace: NODE_LEASE_NAMESPACE },
      spec: { holderIdentity: 'old', leaseDurationSeconds: 10, renewTime: '2029-12-31T00:00:00.000000Z' },
    });
    await leases.renewIfDue('edge-1');
    await clock.advance(1_000);
    leases.forget('edge-1');
    await leases.renewIfDue('edge-1');
    expect((await lease())?.spec).toEqual({
      holderIdentity: 'edge-1',
      leaseDurationSeconds: 40,
      renewTime: '2030-01-01T00:00:01.000000Z',
    });
  });

  it('writes nothing for a node that was deleted', async () => {
    await store.delete('Node', 'edge-1');
    await leases.renewIfDue('edge-1');
    expect(await lease()).toBeUndefined();
  });
});
