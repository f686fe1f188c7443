import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { nodeReadyCondition, rfc3339 } from '@kedge/api';
import { createObserved, createInformer, mutate } from '@kedge/store';
import { makeNode, startHarness, T0, waitForObject, type Harness } from '../../test/cm-harness.ts';
import { NodeLifecycleController } from './node-lifecycle-controller.ts';

let h: Harness;
let abort: AbortController;
let running: Promise<void>;

beforeEach(async () => {
  h = await startHarness();
  abort = new AbortController();
});

afterEach(async () => {
  abort.abort();
  await running;
  await h.close();
});

describe('node lifecycle controller', () => {
  it('marks Ready=Unknown the edge nodes whose cloudcore stopped heartbeating, and only those', async () => {
    const beat = rfc3339(new Date(T0));
    await createObserved(h.store, 'Node', makeNode('orphan', { heartbeat: beat, cloudcore: 'cc-dead' }));
    await createObserved(h.store, 'Node', makeNode('alive', { heartbeat: beat }));
    await createObserved(h.store, 'Node', makeNode('cloud-vm', { heartbeat: beat, edge: false }));
    await createObserved(h.store, 'Node', makeNode('disconnected', { heartbeat: beat, ready: 'False' }));
    const nodes = createInformer(h.store, 'Node', { signal: abort.signal, log: h.log });
    const controller = new NodeLifecycleController({
      store: h.store,
      nodes,
      clock: h.clock,
      log: h.log,
      gracePeriodMs: 40_000,
      monitorPeriodMs: 5_000,
    });
    running = controller.run(abort.signal);
    await nodes.synced;

    await h.clock.advance(30_000);
    // cloudcore keeps refreshing "alive"
    await mutate(
      h.store,
      'Node',
      'alive',
      (n) => {
        const ready = nodeReadyCondition(n);
        if (ready) ready.lastHeartbeatTime = rfc3339(new Date(h.clock.now()));
        return n;
      },
      { status: true },
    );
    await waitForObject(
      h.store,
      'Node',
      'alive',
      () => nodes.get('alive')?.status?.conditions?.[0]?.lastHeartbeatTime !== beat,
      'fresh heartbeat in the cache',
    );
    await h.clock.advance(15_000);

    const orphan = await waitForObject(
      h.store,
      'Node',
      'orphan',
      (n) => nodeReadyCondition(n)?.status === 'Unknown',
      'Ready=Unknown',
    );
    expect(nodeReadyCondition(orphan)).toEqual({
      type: 'Ready',
      status: 'Unknown',
      reason: 'NodeStatusUnknown',
      message: `no heartbeat from cloudcore cc-dead since ${beat}`,
      lastHeartbeatTime: beat,
      lastTransitionTime: '2030-01-01T00:00:45Z',
    });
    expect(nodeReadyCondition((await h.store.get('Node', 'alive'))!)?.status).toBe('True');
    expect(nodeReadyCondition((await h.store.get('Node', 'cloud-vm'))!)?.status).toBe('True');
    expect(nodeReadyCondition((await h.store.get('Node', 'disconnected'))!)).toMatchObject({
      status: 'False',
      reason: 'EdgeDisconnected',
    });
    expect(await controller.checkOnce()).toEqual([]); // already Unknown: nothing more to write
  });
});
