// controllermanager as a real process against a SQLite file the test also
// opens: it initialises a job created from outside, serves /readyz, stops
// cleanly on SIGTERM, and refuses a bad config with exit code 2.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createObserved, openSqliteStore, type ResourceStore } from '@kedge/store';
import { startProcess, tempDir, waitFor, type ManagedProcess, type TempDir } from '@kedge/testing';
import { makeNode } from '../test/cm-harness.ts';

const MAIN = 'packages/controllermanager/src/main.ts';

let dir: TempDir | undefined;
let proc: ManagedProcess | undefined;
let store: ResourceStore | undefined;

afterEach(async () => {
  await proc?.kill();
  await store?.close();
  await dir?.cleanup();
  proc = undefined;
  store = undefined;
  dir = undefined;
});

async function writeConfig(d: TempDir, extra = ''): Promise<string> {
  const file = join(d.path, 'controllermanager.yaml');
  await writeFile(file, `store:\n  sqlite:\n    path: ${join(d.path, 'kedge.db')}\n${extra}`);
  return file;
}

describe('controllermanager process', () => {
  it('initialises a job another process created, answers /readyz, and stops on SIGTERM', async () => {
    dir = await tempDir('kedge-cm-main-');
    // the job names no reachable release: this test is about the process, not the pinning
    const config = await writeConfig(dir, 'nodeTask:\n  pinReleaseDigest: false\n');
    proc = startProcess({
      name: 'controllermanager',
      args: [MAIN, '--config', config],
      env: { KEDGE_LOG_LEVEL: 'info' },
    });
    const started = await proc.waitForLine(/controllermanager started/);
    const { healthPort } = JSON.parse(started) as { healthPort: number };

    store = openSqliteStore({ path: join(dir.path, 'kedge.db'), pollIntervalMs: 10 });
    await createObserved(store, 'Node', makeNode('edge-1'));
    await store.create('NodeUpgradeJob', {
      apiVersion: 'operations.kubeedge.io/v1alpha2',
      kind: 'NodeUpgradeJob',
      metadata: { name: 'upgrade-fleet' },
      spec: { version: 'v1.21.0', nodeNames: ['edge-1', 'edge-2'], failureTolerate: '0.5' },
    });
    const job = await waitFor(
      async () => {
        const j = await store?.get('NodeUpgradeJob', 'upgrade-fleet');
        return j?.status?.phase === 'Init' ? j : undefined;
      },
      { what: 'the job to be initialised by the controllermanager process' },
    );
    expect(job.spec).toMatchObject({ failureTolerate: '0.5', timeoutSeconds: 300, concurrency: 1 });
    expect(job.metadata.finalizers).toEqual(['kubeedge.io/nodeupgradejob-controller']);
    expect(job.status?.nodeStatus).toEqual([
      { nodeName: 'edge-1', phase: 'Pending' },
      { nodeName: 'edge-2', phase: 'Failure', reason: 'node edge-2 does not exist' },
    ]);
    expect(job.status?.progress).toBe('1/2 done, 1 failed');
    await proc.waitForLine(/NodeUpgradeJob upgrade-fleet initialised: Init/);

    const ready = await fetch(`http://127.0.0.1:${healthPort}/readyz`);
    expect(ready.status).toBe(200);

    await proc.kill('SIGTERM');
    expect(await proc.exited).toEqual({ code: 0, signal: null });
    expect(proc.stdout()).toMatch(/"msg":"stopped"/);
  });

  it('logs that the v1alpha2 controller is off when the feature gate says so, and tells a v1alpha2-only job why it does not run', async () => {
    dir = await tempDir('kedge-cm-main-');
    const config = await writeConfig(dir);
    proc = startProcess({
      name: 'controllermanager',
      args: [MAIN, '--config', config, '--feature-gates=disableNodeTaskV1alpha2'],
    });
    const line = await proc.waitForLine(/node task controller \(v1alpha2\) disabled/);
    expect(line).toContain('feature gate disableNodeTaskV1alpha2 is on');
    await proc.waitForLine(/controllermanager started/);
    store = openSqliteStore({ path: join(dir.path, 'kedge.db'), pollIntervalMs: 10 });
    await createObserved(store, 'Node', makeNode('edge-1'));
    await store.create('ConfigUpdateJob', {
      apiVersion: 'operations.kubeedge.io/v1alpha2',
      kind: 'ConfigUpdateJob',
      metadata: { name: 'cfg' },
      spec: { updateFields: { 'modules.edgeStream.enable': 'true' }, nodeNames: ['edge-1'] },
    });
    const job = await waitFor(async () => {
      const found = await store?.get('ConfigUpdateJob', 'cfg');
      return found?.status?.reason ? found : undefined;
    });
    // Not run (no node entries, no finalizer), but never silent: the reason names the gate.
    expect(job.status?.phase).toBe('Init');
    expect(job.status?.reason).toMatch(/^KEDGE_TASK_MODE_MISMATCH: .*disableNodeTaskV1alpha2/);
    expect(job.status?.nodeStatus ?? []).toEqual([]);
    expect(job.metadata.finalizers).toBeUndefined();
  });

  it('with leader election only the leader runs controllers; a standby takes over when it is killed', async () => {
    dir = await tempDir('kedge-cm-main-');
    const config = await writeConfig(
      dir,
      'leaderElection: { enable: true, leaseDuration: 2, renewDeadline: 1.5, retryPeriod: 0.25 }\n',
    );
    const start = (name: string): ManagedProcess =>
      startProcess({ name, args: [MAIN, '--config', config], env: { KEDGE_LOG_LEVEL: 'info' } });
    proc = start('cm-first');
    await proc.waitForLine(/became leader/);
    const second = start('cm-second');
    try {
      await second.waitForLine(/standing by: lease kubeedge\/kedge-controllermanager is held by/);
      const { healthPort } = JSON.parse(await second.waitForLine(/controllermanager started/)) as {
        healthPort: number;
      };
      expect((await fetch(`http://127.0.0.1:${healthPort}/readyz`)).status).toBe(200); // ready to take over

      store = openSqliteStore({ path: join(dir.path, 'kedge.db'), pollIntervalMs: 10 });
      await createObserved(store, 'Node', makeNode('edge-1'));
      const createJob = (name: string) =>
        store?.create('NodeUpgradeJob', {
          apiVersion: 'operations.kubeedge.io/v1alpha2',
          kind: 'NodeUpgradeJob',
          metadata: { name },
          spec: { version: 'v1.21.0', nodeNames: ['edge-1'] },
        });
      await createJob('first');
      await proc.waitForLine(/NodeUpgradeJob first initialised/);

      await proc.killHard();
      await second.waitForLine(/became leader/, 10_000);
      await createJob('second');
      await second.waitForLine(/NodeUpgradeJob second initialised/);
      expect(second.stdout()).not.toMatch(/NodeUpgradeJob first initialised/); // the standby did not run it

      const lease = await store.get('Lease', 'kedge-controllermanager', 'kubeedge');
      expect(lease?.spec?.leaseTransitions).toBe(1);
      await second.kill('SIGTERM');
      expect(await second.exited).toEqual({ code: 0, signal: null });
      expect(second.stdout()).toMatch(/released lease kubeedge\/kedge-controllermanager/);
      expect((await store.get('Lease', 'kedge-controllermanager', 'kubeedge'))?.spec?.holderIdentity).toBe(
        '',
      );
    } finally {
      await second.kill();
    }
  });

  it('exits 2 with a message naming the field when the config is invalid', async () => {
    dir = await tempDir('kedge-cm-main-');
    const config = await writeConfig(dir, 'nodeLifecycle: { gracePeriod: 5, monitorPeriod: 10 }\n');
    proc = startProcess({ name: 'controllermanager', args: [MAIN, '--config', config] });
    expect(await proc.exited).toEqual({ code: 2, signal: null });
    expect(proc.stderr()).toContain('nodeLifecycle.monitorPeriod: must be < gracePeriod (5), got 10');
  });
});
