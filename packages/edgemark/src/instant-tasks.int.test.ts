// The instant task handlers against a real cloudcore and controllermanager
// (two processes on one SQLite store) with 20 hollow nodes: a NodeUpgradeJob
// over all of them completes with the whole flow recorded per node, and a
// ConfigUpdateJob after it too.
import type { ConfigUpdateJob, NodeUpgradeJob } from '@kedge/api';
import { isNodeReady } from '@kedge/api';
import { tempDir, waitFor, type TempDir } from '@kedge/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BENCH_SECRET,
  startControllerManager,
  startKedgeCloud,
  type BenchServer,
  type KedgeCloud,
} from './bench/bench-cloud.ts';
import { HollowFleet } from './hollow-fleet.ts';
import { instantConfigUpdate, instantUpgrade } from './instant-tasks.ts';

const N = 20;
const names = Array.from({ length: N }, (_, i) => `hollow-${i}`);

describe('instant task handlers against cloudcore + controllermanager', () => {
  let dir: TempDir;
  let cloud: KedgeCloud;
  let cm: BenchServer;
  let upgrades: HollowFleet;

  beforeAll(async () => {
    dir = await tempDir('edgemark-tasks-int-');
    cloud = await startKedgeCloud({
      dir: dir.path,
      nodeLimit: 100,
      keepaliveTimeoutS: 30,
      nodeStatusUpdateFrequencyS: 10,
    });
    cm = await startControllerManager({
      dir: dir.path,
      gracePeriodS: 60,
      monitorPeriodS: 5,
      timeoutCheckPeriodS: 1,
    });
    upgrades = new HollowFleet({
      server: cloud.address,
      secret: BENCH_SECRET,
      nodes: N,
      heartbeatMs: 5_000,
      onTask: instantUpgrade(),
    });
    upgrades.start();
    await waitFor(async () => (await cloud.store.list('Node')).items.filter(isNodeReady).length === N, {
      what: `${N} Ready Nodes`,
      timeoutMs: 30_000,
    });
  });

  afterAll(async () => {
    await upgrades?.stop();
    await cm?.stop();
    await cloud?.stop();
    await dir?.cleanup();
  });

  it('completes a NodeUpgradeJob over every node with Check, WaitingConfirmation, Backup, Upgrade all True', async () => {
    await cloud.store.create('NodeUpgradeJob', {
      apiVersion: 'operations.kubeedge.io/v1alpha2',
      kind: 'NodeUpgradeJob',
      metadata: { name: 'upgrade-all' },
      spec: { version: 'v1.22.0', nodeNames: names, concurrency: N, timeoutSeconds: 600 },
    });
    let job: NodeUpgradeJob | undefined;
    await waitFor(
      async () => {
        job = await cloud.store.get('NodeUpgradeJob', 'upgrade-all');
        return job?.status?.phase === 'Completed';
      },
      { what: 'NodeUpgradeJob Completed', timeoutMs: 30_000 },
    );
    expect(job?.status?.progress).toBe(`${N}/${N} done, 0 failed`);
    const entries = job?.status?.nodeStatus ?? [];
    expect(entries.map((e) => e.nodeName).sort()).toEqual([...names].sort());
    for (const e of entries) {
      expect(e.phase).toBe('Successful');
      expect(e.actionFlow?.map((a) => [a.action, a.status])).toEqual([
        ['Check', 'True'],
        ['WaitingConfirmation', 'True'],
        ['Backup', 'True'],
        ['Upgrade', 'True'],
      ]);
      expect(e.currentVersion).toBe('v1.22.0');
      expect(e.historicVersion).toBe('v1.21.0-hollow');
      expect(e.dispatchedBy).toBe('cloudcore-bench');
    }
    expect(upgrades.stats()).toMatchObject({ tasksReceived: N, reportsRejected: 0, taskErrors: 0 });
    await waitFor(async () => upgrades.stats().reportsAcked === 4 * N, { what: 'every report acked' });
  });

  it('completes a ConfigUpdateJob with Check, Backup, ConfigUpdate all True', async () => {
    // Hand the nodes over to a fleet answering config updates: same names, new sessions.
    await upgrades.stop();
    const configs = new HollowFleet({
      server: cloud.address,
      secret: BENCH_SECRET,
      nodes: N,
      heartbeatMs: 5_000,
      onTask: instantConfigUpdate(),
    });
    try {
      configs.start();
      await waitFor(async () => configs.stats().registered === N, { what: `${N} nodes registered again` });
      await waitFor(async () => (await cloud.store.list('Node')).items.filter(isNodeReady).length === N, {
        what: `${N} Ready Nodes`,
        timeoutMs: 30_000,
      });
      await cloud.store.create('ConfigUpdateJob', {
        apiVersion: 'operations.kubeedge.io/v1alpha2',
        kind: 'ConfigUpdateJob',
        metadata: { name: 'config-all' },
        spec: {
          updateFields: { 'modules.edgeStream.enable': 'true' },
          nodeNames: names,
          concurrency: N,
          timeoutSeconds: 600,
        },
      });
      let job: ConfigUpdateJob | undefined;
      await waitFor(
        async () => {
          job = await cloud.store.get('ConfigUpdateJob', 'config-all');
          return job?.status?.phase === 'Completed';
        },
        { what: 'ConfigUpdateJob Completed', timeoutMs: 30_000 },
      );
      for (const e of job?.status?.nodeStatus ?? []) {
        expect(e.phase).toBe('Successful');
        expect(e.actionFlow?.map((a) => `${a.action}=${a.status}`)).toEqual([
          'Check=True',
          'Backup=True',
          'ConfigUpdate=True',
        ]);
      }
      expect(job?.status?.nodeStatus).toHaveLength(N);
    } finally {
      await configs.stop();
    }
  });
});
