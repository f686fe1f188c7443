// UpdateNodeActionStatus end to end: an edge report through CloudHub into
// the job status, with the answers the edge gets back.
import type { NodeTaskEntry, WireErrorContent } from '@kedge/api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTaskJob, entry, getJob } from '../../test/task-cloud.ts';
import type { TaskEdge } from '../../test/task-edge.ts';
import { TaskHarness } from '../../test/task-harness.ts';

/** The entry as the executor left it (Pending, or InProgress once dispatched): no report applied. */
function expectNothingRecorded(e: NodeTaskEntry): void {
  expect(e.actionFlow).toBeUndefined();
  expect(e.reason).toBeUndefined();
  expect(['Pending', 'InProgress']).toContain(e.phase);
}

describe('node task reports', () => {
  let h: TaskHarness;
  beforeEach(async () => {
    h = await TaskHarness.create();
  });
  afterEach(async () => {
    await h.close();
  });

  /** Reports each step and expects every one to be acknowledged. */
  async function reportAll(
    edge: TaskEdge,
    type: string,
    job: string,
    steps: Parameters<TaskEdge['report']>[2][],
  ) {
    for (const step of steps) {
      const reply = await edge.report(type, job, step);
      expect(reply.route.operation, JSON.stringify(reply.content)).toBe('response');
      expect(reply.content).toBe('OK');
    }
  }

  it('records a re-sent report once', async () => {
    const a = await h.cloud('cloudcore-a');
    const n1 = await h.edge(a, 'n1');
    const created = await createTaskJob(h.store, 'ImagePrePullJob', 'pull', ['n1']);
    const check = {
      action: 'Check',
      succ: true,
      finishTime: '2025-05-28T08:12:01Z',
      jobUid: created.metadata.uid,
    };
    await reportAll(n1, 'imageprepulljob', 'pull', [check, check, check]);
    const job = await getJob(h.store, 'ImagePrePullJob', 'pull');
    expect(entry(job, 'n1').actionFlow).toEqual([
      { action: 'Check', status: 'True', time: '2025-05-28T08:12:01Z' },
    ]);
    expect(entry(job, 'n1').phase).toBe('InProgress');
  });

  it('answers bad reports with an error naming the field, and writes nothing', async () => {
    const a = await h.cloud('cloudcore-a');
    const n1 = await h.edge(a, 'n1');
    await createTaskJob(h.store, 'ImagePrePullJob', 'pull', ['n1']);
    const cases: [Parameters<TaskEdge['report']>[2], string][] = [
      [{ action: 'Explode', succ: true }, 'content.action'],
      [{ action: 'Upgrade', succ: true }, 'content.action: Upgrade is not an action of ImagePrePullJob'],
      [
        { action: 'Check', succ: true, finishTime: 'yesterday' },
        'content.finishTime: must be an RFC 3339 time',
      ],
      [{ action: 'PrePull', succ: true, extend: '[{"image": 1}]' }, 'content.extend[0].image'],
    ];
    for (const [input, problem] of cases) {
      const reply = await n1.report('imageprepulljob', 'pull', { jobUid: null, ...input });
      expect(reply.route.operation).toBe('error');
      const content = reply.content as WireErrorContent;
      expect(content).toMatchObject({ code: 'KEDGE_TASK_INVALID', retryable: false });
      expect(content.message).toContain(problem);
      expect(content.message).toContain('report from node n1 for imageprepulljob pull');
    }
    const missing = await n1.report('imageprepulljob', 'no-such-job', { action: 'Check', succ: true });
    expect(missing.content).toMatchObject({ code: 'KEDGE_STORE_NOT_FOUND', retryable: false });
    expect((missing.content as WireErrorContent).message).toContain('ImagePrePullJob no-such-job');
    const job = await getJob(h.store, 'ImagePrePullJob', 'pull');
    expectNothingRecorded(entry(job, 'n1'));
  });

  it('refuses a report for a node without an entry, and one about another node', async () => {
    const a = await h.cloud('cloudcore-a');
    const n9 = await h.edge(a, 'n9');
    await h.edge(a, 'n1');
    await createTaskJob(h.store, 'ConfigUpdateJob', 'cfg', ['n1']);
    const noEntry = await n9.report('configupdatejob', 'cfg', { action: 'Check', succ: true });
    expect(noEntry.content).toMatchObject({ code: 'KEDGE_TASK_INVALID', retryable: false });
    expect((noEntry.content as WireErrorContent).message).toBe(
      'ConfigUpdateJob cfg has no entry for node n9 (report of Check)',
    );
    const impersonating = await n9.report('configupdatejob', 'cfg', { action: 'Check', succ: false }, 'n1');
    expect(impersonating.content).toMatchObject({ code: 'KEDGE_WIRE_IMPERSONATION', retryable: false });
    const job = await getJob(h.store, 'ConfigUpdateJob', 'cfg');
    expectNothingRecorded(entry(job, 'n1'));
  });

  it('acknowledges and ignores a report for an older job of the same name', async () => {
    const a = await h.cloud('cloudcore-a');
    const n1 = await h.edge(a, 'n1');
    await createTaskJob(h.store, 'ImagePrePullJob', 'pull', ['n1']);
    await reportAll(n1, 'imageprepulljob', 'pull', [
      { action: 'Check', succ: false, jobUid: 'uid-of-a-deleted-job' },
    ]);
    const job = await getJob(h.store, 'ImagePrePullJob', 'pull');
    expectNothingRecorded(entry(job, 'n1'));
  });

  it('records upgrade versions, and a rollback as a failure that says where the node is', async () => {
    const a = await h.cloud('cloudcore-a');
    const good = await h.edge(a, 'good');
    const bad = await h.edge(a, 'bad');
    await createTaskJob(h.store, 'NodeUpgradeJob', 'up', ['good', 'bad'], {
      concurrency: 2,
      failureTolerate: '1',
    });
    const head = [
      { action: 'Check', succ: true },
      { action: 'WaitingConfirmation', succ: true },
      { action: 'BackUp', succ: true, extend: ',v1.0.0' }, // KubeEdge's spelling is accepted
    ];
    await reportAll(good, 'nodeupgradejob', 'up', [
      ...head,
      { action: 'Upgrade', succ: true, extend: 'v1.0.0,v1.1.0' },
    ]);
    await reportAll(bad, 'nodeupgradejob', 'up', [
      ...head,
      { action: 'Upgrade', succ: false, reason: 'v1.1.0 did not come up healthy and connected within 120s' },
    ]);
    let job = await getJob(h.store, 'NodeUpgradeJob', 'up');
    expect(entry(job, 'good')).toMatchObject({
      phase: 'Successful',
      historicVersion: 'v1.0.0',
      currentVersion: 'v1.1.0',
    });
    expect(entry(job, 'good').actionFlow?.map((s) => s.action)).toEqual([
      'Check',
      'WaitingConfirmation',
      'Backup',
      'Upgrade',
    ]);
    expect(entry(job, 'good').reason).toBeUndefined();
    expect(entry(job, 'bad')).toMatchObject({
      phase: 'InProgress',
      reason: 'Upgrade failed: v1.1.0 did not come up healthy and connected within 120s; rolling back',
    });

    await reportAll(bad, 'nodeupgradejob', 'up', [
      { action: 'RollBack', succ: true, extend: 'v1.1.0,v1.0.0' },
    ]);
    job = await getJob(h.store, 'NodeUpgradeJob', 'up');
    expect(entry(job, 'bad')).toMatchObject({
      phase: 'Failure',
      currentVersion: 'v1.0.0',
      reason:
        'upgrade to v1.1.0 failed: v1.1.0 did not come up healthy and connected within 120s; rolled back to v1.0.0',
    });
    expect(entry(job, 'bad').actionFlow?.at(-1)).toMatchObject({ action: 'Rollback', status: 'True' });
  });

  it('keeps per-image results and the failure reason of a pre-pull', async () => {
    const a = await h.cloud('cloudcore-a');
    const n1 = await h.edge(a, 'n1');
    await createTaskJob(h.store, 'ImagePrePullJob', 'pull', ['n1']);
    const images = [
      { image: 'nginx:1.27', status: 'True' },
      { image: 'redis:7', status: 'False', reason: 'manifest unknown' },
    ];
    await reportAll(n1, 'imageprepulljob', 'pull', [
      { action: 'Check', succ: true },
      { action: 'Pull', succ: false, reason: '1 of 2 images failed', extend: JSON.stringify(images) },
    ]);
    const job = await getJob(h.store, 'ImagePrePullJob', 'pull');
    expect(entry(job, 'n1')).toMatchObject({
      phase: 'Failure',
      reason: 'PrePull failed: 1 of 2 images failed',
      imageStatus: images,
    });
  });

  it('records a config update rollback with its reason', async () => {
    const a = await h.cloud('cloudcore-a');
    const n1 = await h.edge(a, 'n1');
    await createTaskJob(h.store, 'ConfigUpdateJob', 'cfg', ['n1']);
    await reportAll(n1, 'configupdatejob', 'cfg', [
      { action: 'Check', succ: true },
      { action: 'Backup', succ: true },
      { action: 'ConfigUpdate', succ: false, reason: 'edgecore did not come up with the new config' },
      { action: 'Rollback', succ: true },
    ]);
    const job = await getJob(h.store, 'ConfigUpdateJob', 'cfg');
    expect(entry(job, 'n1')).toMatchObject({
      phase: 'Failure',
      reason:
        'config update failed: edgecore did not come up with the new config; rolled back to the previous configuration',
    });
  });

  it('does nothing when the v1alpha2 node tasks are switched off', async () => {
    const a = await h.cloud('cloudcore-a', { taskManager: { enable: true, disableNodeTaskV1alpha2: true } });
    const n1 = await h.edge(a, 'n1');
    await createTaskJob(h.store, 'ImagePrePullJob', 'pull', ['n1']);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(n1.tasks()).toHaveLength(0);
    const reply = await n1.report('imageprepulljob', 'pull', { action: 'Check', succ: true });
    expect(reply.content).toMatchObject({ code: 'KEDGE_TASK_INVALID', retryable: false });
    expect((reply.content as WireErrorContent).message).toContain('featureGates.disableNodeTaskV1alpha2');
    expect(entry(await getJob(h.store, 'ImagePrePullJob', 'pull'), 'n1').phase).toBe('Pending');

    const b = await h.cloud('cloudcore-b', {
      taskManager: { enable: false, disableNodeTaskV1alpha2: false },
    });
    const n2 = await h.edge(b, 'n2');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(n2.tasks()).toHaveLength(0);
  });
});
