// nodeGroup.enable and edgeApplication.enable start (or not) their
// controllers in a controllermanager term on the embedded store.
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger, systemClock } from '@kedge/runtime';
import { createObserved, openSqliteStore, type ResourceStore } from '@kedge/store';
import { tempDir, waitFor, type TempDir } from '@kedge/testing';
import { makeNode } from '../test/cm-harness.ts';
import { defaultControllerManagerConfig } from './config/index.ts';
import { runControllers } from './run-controllers.ts';

const log = createLogger({ name: 'run-controllers-test', level: process.env['KEDGE_TEST_LOG'] ?? 'silent' });
let dir: TempDir;
let store: ResourceStore;
let abort: AbortController;
let running: Promise<void> | undefined;

beforeEach(async () => {
  dir = await tempDir('kedge-run-controllers-');
  store = openSqliteStore({ path: join(dir.path, 'kedge.db'), clock: systemClock, pollIntervalMs: 5 });
  abort = new AbortController();
  await createObserved(store, 'Node', makeNode('edge-1'));
  await store.create('NodeGroup', {
    apiVersion: 'apps.kubeedge.io/v1alpha1',
    kind: 'NodeGroup',
    metadata: { name: 'g1' },
    spec: { nodes: ['edge-1'] },
  });
  await store.create('EdgeApplication', {
    apiVersion: 'apps.kubeedge.io/v1alpha1',
    kind: 'EdgeApplication',
    metadata: { name: 'app', namespace: 'default' },
    spec: {
      workloadTemplate: {
        manifests: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'conf' }, data: { a: 'b' } }],
      },
      workloadScope: { targetNodeGroups: [{ name: 'g1' }] },
    },
  });
});

afterEach(async () => {
  abort.abort();
  await running;
  await store.close();
  await dir.cleanup();
});

function start(nodeGroup: boolean, edgeApplication: boolean): void {
  const config = defaultControllerManagerConfig();
  config.nodeTask.enable = false;
  config.nodeGroup.enable = nodeGroup;
  config.edgeApplication.enable = edgeApplication;
  running = runControllers({
    config,
    store,
    clock: systemClock,
    log,
    signal: abort.signal,
    onSynced: () => undefined,
    shuttingDown: () => false,
  });
}

const groupOf = async (): Promise<string | undefined> =>
  (await store.get('Node', 'edge-1'))?.metadata.labels?.['apps.kubeedge.io/belonging-to'];

describe('runControllers: node group and edge application switches', () => {
  it('both on by default: the member is labelled and the app rendered', async () => {
    const config = defaultControllerManagerConfig();
    expect([config.nodeGroup.enable, config.edgeApplication.enable]).toEqual([true, true]);
    start(true, true);
    await waitFor(async () => (await groupOf()) === 'g1', { timeoutMs: 15_000, what: 'edge-1 labelled' });
    await waitFor(() => store.get('ConfigMap', 'conf', 'default'), {
      timeoutMs: 15_000,
      what: 'conf rendered',
    });
  });

  it('nodeGroup.enable false: the app is rendered, no node is labelled', async () => {
    start(false, true);
    await waitFor(() => store.get('ConfigMap', 'conf', 'default'), {
      timeoutMs: 15_000,
      what: 'conf rendered',
    });
    await new Promise((r) => setTimeout(r, 500));
    expect(await groupOf()).toBeUndefined();
    expect((await store.get('NodeGroup', 'g1'))?.metadata.finalizers).toBeUndefined();
  });

  it('edgeApplication.enable false: the member is labelled, the app renders nothing', async () => {
    start(true, false);
    await waitFor(async () => (await groupOf()) === 'g1', { timeoutMs: 15_000, what: 'edge-1 labelled' });
    await new Promise((r) => setTimeout(r, 500));
    expect(await store.get('ConfigMap', 'conf', 'default')).toBeUndefined();
  });
});
