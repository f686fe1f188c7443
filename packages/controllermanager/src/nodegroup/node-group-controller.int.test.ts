// The NodeGroup controller on the real embedded SQLite store: membership by
// name and labels, one group per node, missing nodes, readiness, topology,
// leaving a group (labels gone, the group's pods evicted), and deletion
// through the finalizer.
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NODE_GROUP_FINALIZER, type NodeGroup, type Pod } from '@kedge/api';
import { createLogger, systemClock } from '@kedge/runtime';
import { createObserved, mutate, openSqliteStore, type ResourceStore } from '@kedge/store';
import { tempDir, waitFor, type TempDir } from '@kedge/testing';
import { makeNode } from '../../test/cm-harness.ts';
import { NodeGroupController } from './node-group-controller.ts';

const BELONGING = 'apps.kubeedge.io/belonging-to';
const ZONE = 'topology.kubernetes.io/zone';
const log = createLogger({ name: 'nodegroup-test', level: process.env['KEDGE_TEST_LOG'] ?? 'silent' });
let dir: TempDir;
let store: ResourceStore;
let controllerStore: ResourceStore;
let abort: AbortController;
let running: Promise<void>;

beforeEach(async () => {
  dir = await tempDir('kedge-nodegroup-');
  const open = (): ResourceStore =>
    openSqliteStore({ path: join(dir.path, 'kedge.db'), clock: systemClock, pollIntervalMs: 5 });
  store = open();
  controllerStore = open();
  await createObserved(store, 'Node', makeNode('edge-a'));
  await createObserved(store, 'Node', makeNode('edge-b', { ready: 'False' }));
  await createObserved(store, 'Node', makeNode('edge-c', { labels: { region: 'north' } }));
  await createObserved(store, 'Node', makeNode('edge-d'));
  abort = new AbortController();
  const controller = new NodeGroupController({ store: controllerStore, clock: systemClock, log });
  running = controller.run(abort.signal);
});

afterEach(async () => {
  abort.abort();
  await running;
  await controllerStore.close();
  await store.close();
  await dir.cleanup();
});

function group(name: string, spec: NodeGroup['spec']): NodeGroup {
  return { apiVersion: 'apps.kubeedge.io/v1alpha1', kind: 'NodeGroup', metadata: { name }, spec };
}

function pod(name: string, nodeName: string, placement: Partial<Pod['spec']>): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: { nodeName, containers: [{ name: 'app', image: 'nginx:1.27' }], ...placement },
  };
}

async function labelsOf(node: string): Promise<Record<string, string>> {
  return (await store.get('Node', node))?.metadata.labels ?? {};
}

function waitForGroup(name: string, test: (g: NodeGroup) => boolean, what: string): Promise<NodeGroup> {
  return waitFor(
    async () => {
      const g = await store.get('NodeGroup', name);
      return g !== undefined && test(g) ? g : undefined;
    },
    { timeoutMs: 15_000, what },
  );
}

describe('NodeGroup controller', () => {
  it('labels the union of names and label matches and reports each node, sorted, with missing nodes Failed', async () => {
    await store.create(
      'NodeGroup',
      group('beijing', { nodes: ['edge-a', 'edge-b', 'ghost'], matchLabels: { region: 'north' } }),
    );
    const g = await waitForGroup(
      'beijing',
      (x) => (x.status?.nodeStatuses ?? []).length === 4,
      'four node statuses',
    );
    expect(g.status?.nodeStatuses).toEqual([
      { nodeName: 'edge-a', readyStatus: 'Ready', selectionStatus: 'Succeeded' },
      { nodeName: 'edge-b', readyStatus: 'NotReady', selectionStatus: 'Succeeded' },
      { nodeName: 'edge-c', readyStatus: 'Ready', selectionStatus: 'Succeeded' },
      {
        nodeName: 'ghost',
        readyStatus: 'Unknown',
        selectionStatus: 'Failed',
        selectionStatusReason: 'node does not exist',
      },
    ]);
    expect(g.metadata.finalizers).toContain(NODE_GROUP_FINALIZER);
    for (const n of ['edge-a', 'edge-b', 'edge-c']) expect((await labelsOf(n))[BELONGING]).toBe('beijing');
    expect((await labelsOf('edge-a'))[ZONE]).toBeUndefined();
    expect((await labelsOf('edge-d'))[BELONGING]).toBeUndefined();

    // readyStatus follows the node.
    await mutate(
      store,
      'Node',
      'edge-b',
      (n) => {
        n.status!.conditions![0]!.status = 'True';
        return n;
      },
      { status: true },
    );
    await waitForGroup(
      'beijing',
      (x) => x.status?.nodeStatuses?.[1]?.readyStatus === 'Ready',
      'edge-b Ready',
    );
  });

  it('keeps a node in one group: a second claim fails with a reason and succeeds once the first group lets go', async () => {
    await store.create('NodeGroup', group('beijing', { nodes: ['edge-a'] }));
    await waitFor(async () => (await labelsOf('edge-a'))[BELONGING] === 'beijing', {
      what: 'edge-a in beijing',
    });
    await store.create('NodeGroup', group('shanghai', { nodes: ['edge-a', 'edge-d'] }));
    const g = await waitForGroup(
      'shanghai',
      (x) => (x.status?.nodeStatuses ?? []).length === 2,
      'shanghai status',
    );
    expect(g.status?.nodeStatuses?.[0]).toEqual({
      nodeName: 'edge-a',
      readyStatus: 'Ready',
      selectionStatus: 'Failed',
      selectionStatusReason: 'node edge-a already belongs to NodeGroup beijing',
    });
    expect(g.status?.nodeStatuses?.[1]?.selectionStatus).toBe('Succeeded');
    expect((await labelsOf('edge-a'))[BELONGING]).toBe('beijing');

    await mutate(store, 'NodeGroup', 'beijing', (x) => ({ ...x, spec: { nodes: [] } }));
    await waitForGroup(
      'shanghai',
      (x) => x.status?.nodeStatuses?.[0]?.selectionStatus === 'Succeeded',
      'edge-a moves',
    );
    expect((await labelsOf('edge-a'))[BELONGING]).toBe('shanghai');
  });

  it('a node leaving the group loses both labels and the pods the group placed there; other pods stay', async () => {
    await store.create('NodeGroup', group('beijing', { nodes: ['edge-a', 'edge-b'], topologyEnabled: true }));
    await waitFor(async () => (await labelsOf('edge-b'))[ZONE] === 'beijing', {
      what: 'zone label on edge-b',
    });
    await store.create('Pod', pod('by-selector', 'edge-b', { nodeSelector: { [BELONGING]: 'beijing' } }));
    await store.create(
      'Pod',
      pod('by-affinity', 'edge-b', {
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [
                { matchExpressions: [{ key: BELONGING, operator: 'In', values: ['beijing'] }] },
              ],
            },
          },
        },
      }),
    );
    await store.create('Pod', pod('unrelated', 'edge-b', {}));
    await store.create('Pod', pod('stays-on-member', 'edge-a', { nodeSelector: { [BELONGING]: 'beijing' } }));

    await mutate(store, 'NodeGroup', 'beijing', (x) => ({ ...x, spec: { ...x.spec, nodes: ['edge-a'] } }));
    await waitFor(async () => (await store.get('Pod', 'by-selector', 'default')) === undefined, {
      what: 'pod by nodeSelector evicted',
    });
    await waitFor(async () => (await store.get('Pod', 'by-affinity', 'default')) === undefined, {
      what: 'pod by affinity evicted',
    });
    const labels = await labelsOf('edge-b');
    expect(labels[BELONGING]).toBeUndefined();
    expect(labels[ZONE]).toBeUndefined();
    expect(await store.get('Pod', 'unrelated', 'default')).toBeDefined();
    expect(await store.get('Pod', 'stays-on-member', 'default')).toBeDefined();
    expect((await labelsOf('edge-a'))[ZONE]).toBe('beijing');
  });

  it('deleting a group unlabels every member before it goes', async () => {
    await store.create(
      'NodeGroup',
      group('beijing', { nodes: ['edge-a'], matchLabels: { region: 'north' }, topologyEnabled: true }),
    );
    await waitForGroup('beijing', (x) => (x.status?.nodeStatuses ?? []).length === 2, 'two members');
    await store.delete('NodeGroup', 'beijing');
    await waitFor(async () => (await store.get('NodeGroup', 'beijing')) === undefined, {
      what: 'group gone',
    });
    for (const n of ['edge-a', 'edge-c']) {
      const labels = await labelsOf(n);
      expect(labels[BELONGING]).toBeUndefined();
      expect(labels[ZONE]).toBeUndefined();
    }
    expect((await labelsOf('edge-c'))['region']).toBe('north');
  });

  it('an empty matchLabels selects no node (upstream selected them all)', async () => {
    await store.create('NodeGroup', group('empty', { matchLabels: {}, nodes: ['edge-d'] }));
    const g = await waitForGroup('empty', (x) => (x.status?.nodeStatuses ?? []).length > 0, 'status');
    expect(g.status?.nodeStatuses?.map((s) => s.nodeName)).toEqual(['edge-d']);
    for (const n of ['edge-a', 'edge-b', 'edge-c']) expect((await labelsOf(n))[BELONGING]).toBeUndefined();
  });

  it('a node whose labels start matching joins; one that stops matching leaves', async () => {
    await store.create('NodeGroup', group('north', { matchLabels: { region: 'north' } }));
    await waitFor(async () => (await labelsOf('edge-c'))[BELONGING] === 'north', { what: 'edge-c joins' });
    await mutate(store, 'Node', 'edge-d', (n) => {
      n.metadata.labels = { ...n.metadata.labels, region: 'north' };
      return n;
    });
    await waitFor(async () => (await labelsOf('edge-d'))[BELONGING] === 'north', { what: 'edge-d joins' });
    await mutate(store, 'Node', 'edge-c', (n) => {
      n.metadata.labels = { ...n.metadata.labels, region: 'south' };
      return n;
    });
    await waitFor(async () => (await labelsOf('edge-c'))[BELONGING] === undefined, { what: 'edge-c leaves' });
    await waitForGroup(
      'north',
      (x) => x.status?.nodeStatuses?.map((s) => s.nodeName).join() === 'edge-d',
      'status',
    );
  });
});
