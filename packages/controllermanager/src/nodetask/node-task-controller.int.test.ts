import { createObserved } from '@kedge/store';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hasCode, type NodeTaskKind, type ResourceOf } from '@kedge/api';
import {
  claim,
  entriesOf,
  entryOf,
  makeNode,
  report,
  startHarness,
  waitForObject,
  type Harness,
} from '../../test/cm-harness.ts';
import { planJob } from './plan-job.ts';

let h: Harness;

beforeEach(async () => {
  h = await startHarness();
});

afterEach(async () => {
  await h.close();
});

async function createNodes(...names: string[]): Promise<void> {
  for (const name of names) await createObserved(h.store, 'Node', makeNode(name));
}

function upgradeJob(
  name: string,
  spec: Partial<ResourceOf<'NodeUpgradeJob'>['spec']>,
): ResourceOf<'NodeUpgradeJob'> {
  return {
    apiVersion: 'operations.kubeedge.io/v1alpha2',
    kind: 'NodeUpgradeJob',
    metadata: { name },
    spec: { version: 'v1.21.0', ...spec },
  };
}

const phaseIs =
  (phase: string) =>
  (job: ResourceOf<NodeTaskKind>): boolean =>
    job.status?.phase === phase;

describe('node task controller: initialisation', () => {
  it('writes the defaults and the finalizer, and resolves each target with its reason', async () => {
    await createNodes('edge-1');
    await createObserved(h.store, 'Node', makeNode('cloud-1', { edge: false }));
    await createObserved(h.store, 'Node', makeNode('edge-down', { ready: 'False' }));
    await h.startNodeTasks();
    await h.store.create(
      'NodeUpgradeJob',
      upgradeJob('up', { nodeNames: ['edge-1', 'ghost', 'cloud-1', 'edge-down'], failureTolerate: '1' }),
    );
    const job = await waitForObject(h.store, 'NodeUpgradeJob', 'up', phaseIs('Init'), 'initialised');
    expect(job.metadata.finalizers).toEqual(['kubeedge.io/nodeupgradejob-controller']);
    expect(job.spec).toMatchObject({ failureTolerate: '1', timeoutSeconds: 300, concurrency: 1 });
    expect(job.status).toEqual({
      phase: 'Init',
      progress: '3/4 done, 3 failed',
      nodeStatus: [
        { nodeName: 'edge-1', phase: 'Pending' },
        { nodeName: 'ghost', phase: 'Failure', reason: 'node ghost does not exist' },
        {
          nodeName: 'cloud-1',
          phase: 'Failure',
          reason: 'node cloud-1 is not an edge node (missing label node-role.kubernetes.io/edge)',
        },
        {
          nodeName: 'edge-down',
          phase: 'Failure',
          reason: 'node edge-down is not Ready: EdgeDisconnected: connection lost',
        },
      ],
    });
  });

  it('puts ImagePrePullJob defaults inside spec.imagePrePullTemplate and selects by label', async () => {
    await createObserved(h.store, 'Node', makeNode('b', { labels: { site: 'x' } }));
    await createObserved(h.store, 'Node', makeNode('a', { labels: { site: 'x' } }));
    await createObserved(h.store, 'Node', makeNode('c', { labels: { site: 'y' } }));
    await h.startNodeTasks();
    await h.store.create('ImagePrePullJob', {
      apiVersion: 'operations.kubeedge.io/v1alpha2',
      kind: 'ImagePrePullJob',
      metadata: { name: 'pull' },
      spec: {
        imagePrePullTemplate: { images: ['nginx:1.27'], labelSelector: { matchLabels: { site: 'x' } } },
      },
    });
    const job = await waitForObject(h.store, 'ImagePrePullJob', 'pull', phaseIs('Init'), 'initialised');
    expect(job.spec.imagePrePullTemplate).toMatchObject({
      failureTolerate: '0.1',
      timeoutSeconds: 300,
      concurrency: 1,
    });
    expect(entriesOf(job).map((e) => `${e.nodeName}:${e.phase}`)).toEqual(['a:Pending', 'b:Pending']);
  });

  it('fails a job whose selector matches no node, and one that sets both selectors', async () => {
    await createNodes('edge-1');
    await h.startNodeTasks();
    await h.store.create('ConfigUpdateJob', {
      apiVersion: 'operations.kubeedge.io/v1alpha2',
      kind: 'ConfigUpdateJob',
      metadata: { name: 'cfg' },
      spec: {
        updateFields: { 'modules.edgeStream.enable': 'true' },
        labelSelector: { matchLabels: { site: 'mars' } },
      },
    });
    const job = await waitForObject(h.store, 'ConfigUpdateJob', 'cfg', phaseIs('Failure'), 'failed');
    expect(job.status).toEqual({
      phase: 'Failure',
      reason: 'no nodes matched spec.labelSelector "site=mars"',
      progress: '0/0 done, 0 failed',
    });

    // The store rejects both selectors at create (as the CRD's CEL rule does) ...
    const both = upgradeJob('both', { nodeNames: ['edge-1'], labelSelector: { matchLabels: { site: 'x' } } });
    const rejected = await h.store.create('NodeUpgradeJob', both).catch((err: unknown) => err);
    expect(hasCode(rejected, 'KEDGE_RESOURCE_INVALID')).toBe(true);
    // ... and a job that got past admission anyway fails with a reason naming the fields.
    const plan = planJob(both, { get: () => undefined, list: () => [] }, h.clock.now());
    expect(plan.status).toEqual({
      phase: 'Failure',
      reason: 'spec.nodeNames and spec.labelSelector are both set; set exactly one of them',
      progress: '0/0 done, 0 failed',
    });
  });
});

describe('node task controller: phase', () => {
  it('goes Init -> InProgress -> Completed as cloudcore claims and the node reports', async () => {
    await createNodes('a', 'b');
    await h.startNodeTasks();
    await h.store.create('ImagePrePullJob', {
      apiVersion: 'operations.kubeedge.io/v1alpha2',
      kind: 'ImagePrePullJob',
      metadata: { name: 'pull' },
      spec: { imagePrePullTemplate: { images: ['nginx'], nodeNames: ['a', 'b'], concurrency: 2 } },
    });
    await waitForObject(h.store, 'ImagePrePullJob', 'pull', phaseIs('Init'), 'Init');
    await claim(h, 'ImagePrePullJob', 'pull', 'a');
    await waitForObject(h.store, 'ImagePrePullJob', 'pull', phaseIs('InProgress'), 'InProgress');
    await report(h, 'ImagePrePullJob', 'pull', 'a', 'Check', true);
    await report(h, 'ImagePrePullJob', 'pull', 'a', 'PrePull', true);
    const half = await waitForObject(
      h.store,
      'ImagePrePullJob',
      'pull',
      (j) => j.status?.progress === '1/2 done, 0 failed',
      'one node done',
    );
    expect(half.status?.phase).toBe('InProgress');
    await claim(h, 'ImagePrePullJob', 'pull', 'b');
    await report(h, 'ImagePrePullJob', 'pull', 'b', 'Check', true);
    await report(h, 'ImagePrePullJob', 'pull', 'b', 'PrePull', true);
    const done = await waitForObject(h.store, 'ImagePrePullJob', 'pull', phaseIs('Completed'), 'Completed');
    expect(done.status?.progress).toBe('2/2 done, 0 failed');
    expect(done.status?.reason).toBeUndefined();
  });

  it.each([
    ['0.3', 'Failure'],
    ['0.34', 'Completed'],
  ])('with failureTolerate %s, 1 of 3 nodes failing makes the job %s', async (tolerate, expected) => {
    await createNodes('a', 'b', 'c');
    await h.startNodeTasks();
    await h.store.create(
      'NodeUpgradeJob',
      upgradeJob('up', { nodeNames: ['a', 'b', 'c'], failureTolerate: tolerate, concurrency: 3 }),
    );
    await waitForObject(h.store, 'NodeUpgradeJob', 'up', phaseIs('Init'), 'Init');
    for (const n of ['a', 'b', 'c']) await claim(h, 'NodeUpgradeJob', 'up', n);
    await report(h, 'NodeUpgradeJob', 'up', 'a', 'Check', false, 'disk 93% used');
    for (const n of ['b', 'c']) {
      for (const action of ['Check', 'WaitingConfirmation', 'Backup', 'Upgrade'] as const) {
        await report(h, 'NodeUpgradeJob', 'up', n, action, true);
      }
    }
    const job = await waitForObject(h.store, 'NodeUpgradeJob', 'up', phaseIs(expected), expected);
    expect(job.status?.progress).toBe('3/3 done, 1 failed');
    expect(job.status?.reason).toBe(
      expected === 'Failure'
        ? `1 of 3 nodes failed, more than failureTolerate ${tolerate} allows`
        : undefined,
    );
  });

  it('stops the rollout early: after the running node finishes, the job fails and the rest say why', async () => {
    await createNodes('a', 'b', 'c', 'd');
    await h.startNodeTasks();
    await h.store.create(
      'NodeUpgradeJob',
      upgradeJob('up', { nodeNames: ['a', 'b', 'c', 'd'], concurrency: 2 }),
    );
    await waitForObject(h.store, 'NodeUpgradeJob', 'up', phaseIs('Init'), 'Init');
    await claim(h, 'NodeUpgradeJob', 'up', 'a');
    await claim(h, 'NodeUpgradeJob', 'up', 'b');
    await report(h, 'NodeUpgradeJob', 'up', 'a', 'Check', false, 'cpu 97% busy');
    const stopping = await waitForObject(
      h.store,
      'NodeUpgradeJob',
      'up',
      (j) => j.status?.reason?.includes('waiting for 1 running node') === true,
      'stopping',
    );
    expect(stopping.status?.phase).toBe('InProgress');
    await report(h, 'NodeUpgradeJob', 'up', 'b', 'Check', true);
    await report(h, 'NodeUpgradeJob', 'up', 'b', 'WaitingConfirmation', true);
    await report(h, 'NodeUpgradeJob', 'up', 'b', 'Backup', true);
    await report(h, 'NodeUpgradeJob', 'up', 'b', 'Upgrade', true);
    const job = await waitForObject(h.store, 'NodeUpgradeJob', 'up', phaseIs('Failure'), 'Failure');
    expect(job.status?.reason).toBe(
      '1 of 4 nodes failed, more than failureTolerate 0.1 allows; rollout stopped, 2 nodes not started',
    );
    const notStarted = 'not started: rollout stopped after 1 of 4 nodes failed (failureTolerate 0.1)';
    expect(entriesOf(job).map((e) => [e.nodeName, e.phase, e.reason])).toEqual([
      ['a', 'Failure', 'Check failed: cpu 97% busy'],
      ['b', 'Successful', undefined],
      ['c', 'Pending', notStarted],
      ['d', 'Pending', notStarted],
    ]);
  });
});

describe('node task controller: timeouts', () => {
  it('marks a silent node Unknown at its deadline, then respects its late report', async () => {
    await createNodes('a', 'b');
    await h.startNodeTasks();
    await h.store.create(
      'NodeUpgradeJob',
      upgradeJob('up', { nodeNames: ['a', 'b'], concurrency: 2, timeoutSeconds: 60, failureTolerate: '0.5' }),
    );
    await waitForObject(h.store, 'NodeUpgradeJob', 'up', phaseIs('Init'), 'Init');
    await claim(h, 'NodeUpgradeJob', 'up', 'a');
    await claim(h, 'NodeUpgradeJob', 'up', 'b');
    await h.clock.advance(10_000);
    await report(h, 'NodeUpgradeJob', 'up', 'a', 'Check', true);
    await report(h, 'NodeUpgradeJob', 'up', 'a', 'WaitingConfirmation', true);
    await report(h, 'NodeUpgradeJob', 'up', 'a', 'Backup', true);
    await report(h, 'NodeUpgradeJob', 'up', 'b', 'Check', true);
    await report(h, 'NodeUpgradeJob', 'up', 'b', 'WaitingConfirmation', true);
    await report(h, 'NodeUpgradeJob', 'up', 'b', 'Backup', true);
    await report(h, 'NodeUpgradeJob', 'up', 'b', 'Upgrade', true);
    await waitForObject(
      h.store,
      'NodeUpgradeJob',
      'up',
      (j) => entryOf(j, 'b')?.phase === 'Successful',
      'b done',
    );
    await waitForObject(
      h.store,
      'NodeUpgradeJob',
      'up',
      (j) => j.status?.progress === '1/2 done, 0 failed',
      'progress',
    );

    await h.clock.advance(59_000); // 1 s before a's deadline (Backup at +10 s, timeout 60 s)
    const before = await h.store.get('NodeUpgradeJob', 'up');
    expect(entryOf(before!, 'a')?.phase).toBe('InProgress');
    await h.clock.advance(1_000);
    const timedOut = await waitForObject(
      h.store,
      'NodeUpgradeJob',
      'up',
      (j) => entryOf(j, 'a')?.phase === 'Unknown',
      'a Unknown',
    );
    expect(entryOf(timedOut, 'a')?.reason).toBe(
      'timed out after 60s waiting for Upgrade (last finished: Backup at 2030-01-01T00:00:10Z)',
    );
    const judged = await waitForObject(
      h.store,
      'NodeUpgradeJob',
      'up',
      phaseIs('Completed'),
      'Completed (1 of 2 <= 0.5)',
    );
    expect(judged.status?.progress).toBe('2/2 done, 1 failed');

    // The node was only slow: its Upgrade result arrives after the timeout.
    await h.clock.advance(30_000);
    await report(h, 'NodeUpgradeJob', 'up', 'a', 'Upgrade', true);
    const late = await waitForObject(
      h.store,
      'NodeUpgradeJob',
      'up',
      (j) => j.status?.progress === '2/2 done, 0 failed',
      'late report counted',
    );
    expect(late.status?.phase).toBe('Completed');
    expect(entryOf(late, 'a')).toMatchObject({ phase: 'Successful' });
    expect(entryOf(late, 'a')?.reason).toBeUndefined();
  });

  it('a timed-out job with failureTolerate 0 fails', async () => {
    await createNodes('a');
    await h.startNodeTasks();
    await h.store.create(
      'NodeUpgradeJob',
      upgradeJob('up', { nodeNames: ['a'], timeoutSeconds: 30, failureTolerate: '0' }),
    );
    await waitForObject(h.store, 'NodeUpgradeJob', 'up', phaseIs('Init'), 'Init');
    await claim(h, 'NodeUpgradeJob', 'up', 'a');
    await waitForObject(h.store, 'NodeUpgradeJob', 'up', phaseIs('InProgress'), 'InProgress');
    await h.clock.advance(30_000);
    const job = await waitForObject(h.store, 'NodeUpgradeJob', 'up', phaseIs('Failure'), 'Failure');
    expect(entryOf(job, 'a')?.reason).toBe(
      'timed out after 30s waiting for Check (dispatched at 2030-01-01T00:00:00Z, no action finished)',
    );
    expect(job.status?.reason).toBe('1 of 1 nodes failed, more than failureTolerate 0 allows');
  });
});

describe('node task controller: restart and deletion', () => {
  it('a new controller on the same file continues a job mid-way, deadlines included', async () => {
    await createNodes('a', 'b');
    const first = await h.startNodeTasks();
    await h.store.create(
      'NodeUpgradeJob',
      upgradeJob('up', { nodeNames: ['a', 'b'], concurrency: 2, timeoutSeconds: 100 }),
    );
    await waitForObject(h.store, 'NodeUpgradeJob', 'up', phaseIs('Init'), 'Init');
    await claim(h, 'NodeUpgradeJob', 'up', 'a');
    await waitForObject(h.store, 'NodeUpgradeJob', 'up', phaseIs('InProgress'), 'InProgress');
    await first.stop();

    // While no controller runs: b is claimed and finishes; a stays silent.
    await claim(h, 'NodeUpgradeJob', 'up', 'b');
    for (const action of ['Check', 'WaitingConfirmation', 'Backup', 'Upgrade'] as const) {
      await report(h, 'NodeUpgradeJob', 'up', 'b', action, true);
    }
    await h.clock.advance(50_000);

    await h.startNodeTasks();
    const resumed = await waitForObject(
      h.store,
      'NodeUpgradeJob',
      'up',
      (j) => j.status?.progress === '1/2 done, 0 failed',
      'progress after restart',
    );
    expect(resumed.status?.phase).toBe('InProgress');
    await h.clock.advance(50_000); // a's deadline: claimed at +0 s, timeout 100 s
    const job = await waitForObject(
      h.store,
      'NodeUpgradeJob',
      'up',
      phaseIs('Failure'),
      'Failure after timeout',
    );
    expect(entryOf(job, 'a')).toMatchObject({
      phase: 'Unknown',
      reason:
        'timed out after 100s waiting for Check (dispatched at 2030-01-01T00:00:00Z, no action finished)',
    });
  });

  it('removes its finalizer when a job is deleted, so the job goes away', async () => {
    await createNodes('a');
    await h.startNodeTasks();
    await h.store.create('NodeUpgradeJob', upgradeJob('up', { nodeNames: ['a'] }));
    await waitForObject(h.store, 'NodeUpgradeJob', 'up', phaseIs('Init'), 'Init');
    await h.store.delete('NodeUpgradeJob', 'up');
    await expect
      .poll(async () => h.store.get('NodeUpgradeJob', 'up'), { timeout: 10_000, interval: 10 })
      .toBeUndefined();
  });
});
