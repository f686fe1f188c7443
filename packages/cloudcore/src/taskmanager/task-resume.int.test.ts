// State-based delivery: what a node is owed is re-sent after it reconnects
// (to any replica), after a cloudcore restart, and confirmations reach the
// nodes that wait for them.
import { CONFIRM_ANNOTATION } from '@kedge/api';
import { mutate } from '@kedge/store';
import { waitFor } from '@kedge/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTaskJob, entry, getJob } from '../../test/task-cloud.ts';
import { PREPULL_OK, reportFlow } from '../../test/task-edge.ts';
import { TaskHarness } from '../../test/task-harness.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const KIND = 'ImagePrePullJob';

describe('node task delivery after reconnects and restarts', () => {
  let h: TaskHarness;
  beforeEach(async () => {
    h = await TaskHarness.create();
  });
  afterEach(async () => {
    await h.close();
  });

  it('re-sends an InProgress task when its node reconnects, to whichever replica it reaches', async () => {
    const a = await h.cloud('cloudcore-a');
    const b = await h.cloud('cloudcore-b');
    const first = await h.edge(a, 'n1');
    const created = await createTaskJob(h.store, KIND, 'pull', ['n1']);
    await waitFor(() => first.tasks().length === 1, { what: 'first task' });
    expect(first.tasks()[0]?.jobUid).toBe(created.metadata.uid);
    await first.close();

    const again = await h.edge(a, 'n1');
    await waitFor(() => again.tasks().length === 1, {
      what: 'task re-sent on reconnect to the same replica',
    });
    expect(again.tasks()[0]?.jobUid).toBe(created.metadata.uid);
    await again.close();

    const elsewhere = await h.edge(b, 'n1', reportFlow(PREPULL_OK));
    await waitFor(() => elsewhere.tasks().length === 1, { what: 'task re-sent by the other replica' });
    const job = await h.waitForJob(KIND, 'pull', (j) => entry(j, 'n1').phase === 'Successful', 'n1 done');
    expect(entry(job, 'n1').dispatchedBy).toBe('cloudcore-a');
    expect(elsewhere.scriptErrors).toEqual([]);
  });

  it('resumes a job after cloudcore restarts mid-rollout', async () => {
    const a = await h.cloud('cloudcore-a');
    await h.edge(a, 'n1', reportFlow(PREPULL_OK));
    const n2 = await h.edge(a, 'n2'); // takes the task, then goes quiet
    await h.edge(a, 'n3', reportFlow(PREPULL_OK));
    await createTaskJob(h.store, KIND, 'pull', ['n1', 'n2', 'n3'], { concurrency: 1 });
    await waitFor(() => n2.tasks().length === 1, { what: 'n2 started' });
    await a.stop();
    const before = await getJob(h.store, KIND, 'pull');
    expect(before.status?.nodeStatus?.map((e) => e.phase)).toEqual(['Successful', 'InProgress', 'Pending']);

    const restarted = await h.cloud('cloudcore-a');
    const n2Back = await h.edge(restarted, 'n2', reportFlow(PREPULL_OK));
    const n3Back = await h.edge(restarted, 'n3', reportFlow(PREPULL_OK));
    const job = await h.waitForJob(
      KIND,
      'pull',
      (j) => j.status?.nodeStatus?.every((e) => e.phase === 'Successful') === true,
      'every node Successful after the restart',
    );
    expect(n2Back.tasks()).toHaveLength(1);
    expect(n3Back.tasks()).toHaveLength(1);
    expect(entry(job, 'n3').dispatchedBy).toBe('cloudcore-a');
  });

  it('sends Confirm to a waiting node once the operator annotates the job', async () => {
    const a = await h.cloud('cloudcore-a');
    const n1 = await h.edge(
      a,
      'n1',
      reportFlow([{ action: 'Check', succ: true, finishTime: '2025-05-28T08:12:01Z' }]),
    );
    await createTaskJob(h.store, 'NodeUpgradeJob', 'up', ['n1'], { requireConfirmation: true });
    const waiting = await h.waitForJob(
      'NodeUpgradeJob',
      'up',
      (j) => entry(j, 'n1').reason !== undefined,
      'n1 waiting for confirmation',
    );
    expect(entry(waiting, 'n1').reason).toBe(
      'waiting for confirmation since 2025-05-28T08:12:01Z ' +
        '(keadm ctl confirm on the node, or annotate the job operations.kedge.io/confirm)',
    );

    const annotate = (value: string) =>
      mutate(h.store, 'NodeUpgradeJob', 'up', (j) => ({
        ...j,
        metadata: { ...j.metadata, annotations: { ...j.metadata.annotations, [CONFIRM_ANNOTATION]: value } },
      }));
    await annotate('some-other-node');
    await sleep(200);
    expect(n1.confirms()).toHaveLength(0);

    await annotate('some-other-node, n1');
    await waitFor(() => n1.confirms().length === 1, { what: 'Confirm sent to n1' });
    expect(n1.confirms()[0]?.content).toEqual({ jobUid: waiting.metadata.uid });
    expect(n1.confirms()[0]?.route.resource).toBe(
      'operations.kubeedge.io/v1alpha2/nodeupgradejob/up/node/n1',
    );

    const reply = await n1.report('nodeupgradejob', 'up', { action: 'WaitingConfirmation', succ: true });
    expect(reply.route.operation).toBe('response');
    const confirmed = await getJob(h.store, 'NodeUpgradeJob', 'up');
    expect(entry(confirmed, 'n1').reason).toBeUndefined();
    expect(entry(confirmed, 'n1').phase).toBe('InProgress');
    await sleep(100);
    expect(n1.confirms()).toHaveLength(1);
  });
});
