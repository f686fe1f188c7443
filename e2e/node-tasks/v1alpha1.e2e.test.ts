// The v1alpha1 node task path: with the feature gate disableNodeTaskV1alpha2
// on cloudcore and controllermanager, a NodeUpgradeJob created as
// operations.kubeedge.io/v1alpha1 runs stage by stage with the v1alpha1
// status (state, event, action, reason, time per node) on real installed
// nodes; jobs of the other API are left alone with the reason logged, and
// processes started with disagreeing gates say so.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { rfc3339, type Node } from '@kedge/api';
import { LocalCloud } from '@kedge/localup';
import { createObserved, type WatchEvent } from '@kedge/store';
import { tempDir, waitFor, type TempDir } from '@kedge/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UpgradeFleet, type UpgradeJob } from './upgrade-fleet.ts';

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
const V1ALPHA1 = 'operations.kubeedge.io/v1alpha1';

/** A Ready edge Node as cloudcore writes it, without an edgecore behind it. */
function readyNode(name: string): Node {
  const now = rfc3339(new Date());
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'node-role.kubernetes.io/edge': '' } },
    spec: {},
    status: {
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          reason: 'EdgeConnected',
          lastHeartbeatTime: now,
          lastTransitionTime: now,
        },
      ],
    },
  };
}

function upgradeJob(name: string, apiVersion: string, spec: Partial<UpgradeJob['spec']>): UpgradeJob {
  return { apiVersion, kind: 'NodeUpgradeJob', metadata: { name }, spec } as UpgradeJob;
}

describe('v1alpha1 node tasks with the gate on', () => {
  const fleet = new UpgradeFleet();
  const watch = new AbortController();

  beforeAll(() => fleet.start({ featureGates: { disableNodeTaskV1alpha2: true } }));
  afterAll(async () => {
    watch.abort();
    await fleet.close();
  });

  const finished = (name: string): Promise<UpgradeJob> =>
    waitFor(
      async () => {
        const j = await fleet.job(name);
        return j?.status?.state === 'Successful' || j?.status?.state === 'Failed' ? j : undefined;
      },
      { what: `v1alpha1 job ${name} finished`, timeoutMs: 90_000, intervalMs: 200 },
    );

  it('upgrades two nodes stage by stage; each node has state, event, action and time', async () => {
    const nodes = ['a-1', 'a-2'];
    await fleet.addEdges(nodes);
    const versions: UpgradeJob[] = [];
    void (async () => {
      for await (const e of fleet.cloud.store.watch('NodeUpgradeJob', {
        signal: watch.signal,
      }) as AsyncIterable<WatchEvent<'NodeUpgradeJob'>>) {
        if (e.object.metadata.name === 'v1-upgrade') versions.push(e.object);
      }
    })().catch(() => undefined);
    await fleet.cloud.store.create(
      'NodeUpgradeJob',
      upgradeJob('v1-upgrade', V1ALPHA1, {
        version: fleet.target.version,
        image: fleet.releases.image,
        nodeNames: nodes,
        concurrency: 2,
      }),
    );
    const job = await finished('v1-upgrade');

    expect(job.apiVersion).toBe('operations.kubeedge.io/v1alpha2');
    expect(job.metadata.annotations?.['operations.kedge.io/created-as']).toBe(V1ALPHA1);
    expect(job.status).toMatchObject({
      phase: 'Completed',
      state: 'Successful',
      event: 'Upgrade',
      action: 'Success',
      progress: '2/2 done, 0 failed',
    });
    expect(job.status?.time).toMatch(RFC3339);
    for (const node of nodes) {
      const entry = fleet.entry(job, node);
      expect(entry).toMatchObject({
        nodeName: node,
        state: 'Successful',
        event: 'Upgrade',
        action: 'Success',
        phase: 'Successful',
        historicVersion: 'v1.0.0',
        currentVersion: 'v1.1.0',
      });
      expect(entry.time).toMatch(RFC3339);
      expect(entry.reason).toBeUndefined();
      expect(entry.startTime).toBeUndefined();
      expect(entry.actionFlow).toBeUndefined();
      expect(await fleet.runningVersion(node)).toBe('v1.1.0');
    }

    // Stage by stage: the job went through every stage in order, and no node ran a stage other than the job's.
    await waitFor(() => versions.some((v) => v.status?.state === 'Successful'), { what: 'watch caught up' });
    const stages = versions
      .map((v) => v.status?.state)
      .filter((s, i, all) => s !== undefined && s !== all[i - 1]);
    expect(stages).toEqual(['Checking', 'BackingUp', 'Upgrading', 'Successful']);
    for (const v of versions) {
      for (const e of v.status?.nodeStatus ?? []) {
        if (e.startTime !== undefined) expect(e.state).toBe(v.status?.state);
      }
    }
    await fleet.stopEdges(nodes);
  });

  it('fails a node whose Check fails, with the reason, and ends the job Failed', async () => {
    await fleet.addEdges(['f-1']);
    await fleet.cloud.store.create(
      'NodeUpgradeJob',
      upgradeJob('v1-missing', V1ALPHA1, {
        version: 'v9.9.9',
        image: fleet.releases.image,
        nodeNames: ['f-1'],
      }),
    );
    const job = await finished('v1-missing');
    expect(job.status).toMatchObject({ phase: 'Failure', state: 'Failed', action: 'Failure' });
    expect(job.status?.reason).toMatch(/1 of 1 nodes failed/);
    const entry = fleet.entry(job, 'f-1');
    expect(entry).toMatchObject({ state: 'Failed', event: 'Check', action: 'Failure', phase: 'Failure' });
    expect(entry.reason).toMatch(/v9\.9\.9/);
    expect(await fleet.runningVersion('f-1')).toBe('v1.0.0');
    await fleet.stopEdges(['f-1']);
  });

  it('leaves a v1alpha2 job alone and says why', async () => {
    await fleet.cloud.store.create(
      'NodeUpgradeJob',
      upgradeJob('v2-ignored', 'operations.kubeedge.io/v1alpha2', {
        version: fleet.target.version,
        nodeNames: ['a-1'],
      }),
    );
    const cm = fleet.cloud.controllerManager?.running;
    await cm?.waitForLine(
      /NodeUpgradeJob v2-ignored is a v1alpha2 job; this controllermanager runs the v1alpha1/,
    );
    await fleet.cloudcore.running.waitForLine(
      /NodeUpgradeJob v2-ignored is a v1alpha2 job; this cloudcore runs the v1alpha1 node tasks/,
    );
    const job = await waitFor(
      async () => {
        const j = await fleet.job('v2-ignored');
        return j?.status !== undefined ? j : undefined;
      },
      { what: 'the mode-skip status of v2-ignored' },
    );
    expect(job.status?.phase).toBe('Init');
    expect(job.status?.nodeStatus).toBeUndefined();
    expect(job.status?.reason).toMatch(
      /^KEDGE_TASK_MODE_MISMATCH: NodeUpgradeJob v2-ignored is a v1alpha2 job; this controllermanager runs the v1alpha1 node tasks/,
    );
    expect(job.metadata.finalizers).toBeUndefined();
  });
});

describe('node task modes without the gate, and with the processes disagreeing', () => {
  let dir: TempDir;
  const clouds: LocalCloud[] = [];

  beforeAll(async () => {
    dir = await tempDir('kedge-v1alpha1-');
  });
  afterAll(async () => {
    await Promise.all(clouds.map((c) => c.close()));
    await dir.cleanup();
  });

  const cloudIn = (sub: string): LocalCloud => {
    mkdirSync(join(dir.path, sub));
    const cloud = new LocalCloud({ dir: join(dir.path, sub), keepaliveTimeout: 60 });
    clouds.push(cloud);
    return cloud;
  };

  it('with the gate off, a v1alpha1 job is left alone and both processes say why', async () => {
    const cloud = cloudIn('off');
    const cloudcore = await cloud.addCloudCore();
    const cm = await cloud.startControllerManager();
    await createObserved(cloud.store, 'Node', readyNode('n-1'));
    await cloud.store.create(
      'NodeUpgradeJob',
      upgradeJob('v1-ignored', V1ALPHA1, { version: 'v1.1.0', nodeNames: ['n-1'] }),
    );
    await cm.running.waitForLine(
      /NodeUpgradeJob v1-ignored is a v1alpha1 job; this controllermanager runs the v1alpha2 node tasks .*\(--feature-gates=disableNodeTaskV1alpha2=true on controllermanager runs it\)/,
    );
    await cloudcore.running.waitForLine(
      /NodeUpgradeJob v1-ignored is a v1alpha1 job; this cloudcore runs the v1alpha2 node tasks/,
    );
    const job = await waitFor(
      async () => {
        const j = await cloud.store.get('NodeUpgradeJob', 'v1-ignored');
        return j?.status !== undefined ? j : undefined;
      },
      { what: 'the mode-skip status of v1-ignored' },
    );
    expect(job.status?.reason).toMatch(
      /^KEDGE_TASK_MODE_MISMATCH: NodeUpgradeJob v1-ignored is a v1alpha1 job; .*\(--feature-gates=disableNodeTaskV1alpha2=true on controllermanager runs it\)$/,
    );
    expect(job.status?.nodeStatus).toBeUndefined();
    expect(job.metadata.finalizers).toBeUndefined();
  });

  it.each([
    { cloudcoreGate: true, cmGate: false },
    { cloudcoreGate: false, cmGate: true },
  ])(
    "cloudcore gate $cloudcoreGate, controllermanager gate $cmGate: each leaves the other API's jobs alone and says the gates disagree",
    async ({ cloudcoreGate, cmGate }) => {
      const cloud = cloudIn(`disagree-${cloudcoreGate}`);
      const ccMode = cloudcoreGate ? 'v1alpha1' : 'v1alpha2';
      const cmMode = cmGate ? 'v1alpha1' : 'v1alpha2';
      const cloudcore = await cloud.addCloudCore({
        featureGates: { disableNodeTaskV1alpha2: cloudcoreGate },
      });
      const cm = await cloud.startControllerManager({ featureGates: { disableNodeTaskV1alpha2: cmGate } });
      await cm.running.waitForLine(
        new RegExp(
          `node task modes disagree: this controllermanager runs ${cmMode}, but cloudcore\\.cloudcore-0=${ccMode}`,
        ),
      );
      const mode = await cloud.store.get('ConfigMap', 'kedge-node-task-mode', 'kubeedge');
      expect(mode?.data).toEqual({ controllermanager: cmMode, 'cloudcore.cloudcore-0': ccMode });
      await createObserved(cloud.store, 'Node', readyNode('n-1'));

      // One job of each API: controllermanager takes the one of its mode, cloudcore refuses that one.
      await cloud.store.create(
        'NodeUpgradeJob',
        upgradeJob(`${ccMode}-job`, `operations.kubeedge.io/${ccMode}`, {
          version: 'v1.1.0',
          nodeNames: ['n-1'],
        }),
      );
      await cloud.store.create(
        'NodeUpgradeJob',
        upgradeJob(`${cmMode}-job`, `operations.kubeedge.io/${cmMode}`, {
          version: 'v1.1.0',
          nodeNames: ['n-1'],
          // pinned by hand: there is no release to resolve, and releases are not what this test is about
          ...(cmMode === 'v1alpha2' ? { imageDigestGatter: { amd64: `sha256:${'e'.repeat(64)}` } } : {}),
        }),
      );
      await cm.running.waitForLine(
        new RegExp(
          `NodeUpgradeJob ${ccMode}-job is a ${ccMode} job; this controllermanager runs the ${cmMode} node tasks` +
            `.*the feature gates disagree: cloudcore\\.cloudcore-0=${ccMode}`,
        ),
      );
      await cloudcore.running.waitForLine(
        new RegExp(
          `NodeUpgradeJob ${cmMode}-job is a ${cmMode} job; this cloudcore runs the ${ccMode} node tasks` +
            `.*the feature gates disagree: controllermanager=${cmMode}`,
        ),
      );
      // Neither job gets anywhere: one is never initialised, the other never sent.
      const untouched = (await cloud.store.get('NodeUpgradeJob', `${ccMode}-job`))?.status;
      expect(untouched?.nodeStatus).toBeUndefined();
      expect(untouched?.state).toBeUndefined();
      const taken = await waitFor(
        async () => (await cloud.store.get('NodeUpgradeJob', `${cmMode}-job`))?.status?.nodeStatus?.[0],
        { what: `${cmMode}-job initialised` },
      );
      expect(taken.startTime).toBeUndefined();
    },
  );
});
