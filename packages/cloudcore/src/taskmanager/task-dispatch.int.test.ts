// The Executor against real CloudCore replicas on one SQLite file and raw
// edge clients: who gets a task, how many at once, when the rollout stops.
import { mutate } from '@kedge/store';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { countNodeTasks } from '@kedge/api';
import { createTaskJob, entry, getJob, phases } from '../../test/task-cloud.ts';
import { PREPULL_OK, reportFlow } from '../../test/task-edge.ts';
import { TaskHarness } from '../../test/task-harness.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const KIND = 'ImagePrePullJob';

describe('node task dispatch', () => {
  let h: TaskHarness;
  beforeEach(async () => {
    h = await TaskHarness.create();
  });
  afterEach(async () => {
    await h.close();
  });

  it('dispatches only to nodes connected to this replica and leaves the others Pending', async () => {
    const a = await h.cloud('cloudcore-a');
    const n1 = await h.edge(a, 'n1', reportFlow(PREPULL_OK));
    await createTaskJob(h.store, KIND, 'pull', ['n1', 'n2'], { concurrency: 2 });

    const job = await h.waitForJob(KIND, 'pull', (j) => entry(j, 'n1').phase === 'Successful', 'n1 done');
    expect(entry(job, 'n1')).toMatchObject({ dispatchedBy: 'cloudcore-a', phase: 'Successful' });
    expect(entry(job, 'n1').startTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    await sleep(200);
    const later = await getJob(h.store, KIND, 'pull');
    expect(entry(later, 'n2')).toEqual({ nodeName: 'n2', phase: 'Pending' });

    const n2 = await h.edge(a, 'n2', reportFlow(PREPULL_OK));
    await h.waitForJob(
      KIND,
      'pull',
      (j) => entry(j, 'n2').phase === 'Successful',
      'n2 done after it connected',
    );
    expect(n1.tasks()).toHaveLength(1);
    expect(n2.tasks()).toHaveLength(1);
    expect(n2.tasks()[0]?.spec).toMatchObject({ imagePrePullTemplate: { images: ['nginx:1.27'] } });
    expect(n1.scriptErrors).toEqual([]);
  });

  it('keeps concurrency global across two replicas and never fails a node for being elsewhere', async () => {
    const a = await h.cloud('cloudcore-a');
    const b = await h.cloud('cloudcore-b');
    const flow = reportFlow(PREPULL_OK, 40);
    const edges = [
      await h.edge(a, 'n1', flow),
      await h.edge(a, 'n2', flow),
      await h.edge(b, 'n3', flow),
      await h.edge(b, 'n4', flow),
    ];
    const versions = h.recordVersions(KIND, 'pull');
    await createTaskJob(h.store, KIND, 'pull', ['n1', 'n2', 'n3', 'n4'], {
      concurrency: 1,
      failureTolerate: '0',
    });

    const done = await h.waitForJob(
      KIND,
      'pull',
      (j) => countNodeTasks(j.status?.nodeStatus).successful === 4,
      'all four nodes Successful',
    );
    await sleep(100); // let the watch catch up with the last write
    expect(versions.length).toBeGreaterThan(8);
    const maxInProgress = Math.max(...versions.map((v) => countNodeTasks(v.status?.nodeStatus).inProgress));
    expect(maxInProgress).toBe(1);
    expect(versions.some((v) => countNodeTasks(v.status?.nodeStatus).failed > 0)).toBe(false);
    expect(done.status?.nodeStatus?.map((e) => [e.nodeName, e.dispatchedBy])).toEqual([
      ['n1', 'cloudcore-a'],
      ['n2', 'cloudcore-a'],
      ['n3', 'cloudcore-b'],
      ['n4', 'cloudcore-b'],
    ]);
    for (const edge of edges) {
      expect(edge.tasks(), edge.nodeName).toHaveLength(1);
      expect(edge.scriptErrors).toEqual([]);
    }
  });

  it('stops starting nodes once failures exceed failureTolerate', async () => {
    const a = await h.cloud('cloudcore-a');
    const fail = reportFlow([{ action: 'Check', succ: false, reason: 'disk usage 93% over 80%' }]);
    const ok = reportFlow(PREPULL_OK);
    const edges = [
      await h.edge(a, 'n1', fail),
      await h.edge(a, 'n2', fail),
      await h.edge(a, 'n3', ok),
      await h.edge(a, 'n4', ok),
    ];
    await createTaskJob(h.store, KIND, 'pull', ['n1', 'n2', 'n3', 'n4'], {
      concurrency: 1,
      failureTolerate: '0.3',
    });

    // 1 of 4 failed (0.25) is tolerated, so n2 still starts; 2 of 4 (0.5) is not.
    const job = await h.waitForJob(KIND, 'pull', (j) => entry(j, 'n2').phase === 'Failure', 'n2 failed');
    await sleep(300);
    const later = await getJob(h.store, KIND, 'pull');
    expect(phases(later)).toEqual({ n1: 'Failure', n2: 'Failure', n3: 'Pending', n4: 'Pending' });
    expect(entry(job, 'n1').reason).toBe('Check failed: disk usage 93% over 80%');
    expect(entry(job, 'n1').actionFlow).toEqual([
      {
        action: 'Check',
        status: 'False',
        reason: 'disk usage 93% over 80%',
        time: expect.any(String) as string,
      },
    ]);
    expect(edges.map((e) => e.tasks().length)).toEqual([1, 1, 0, 0]);
  });

  it('frees the slot of a timed-out (Unknown) node and still records its late result', async () => {
    const a = await h.cloud('cloudcore-a');
    const silent = await h.edge(a, 'n1');
    const n2 = await h.edge(a, 'n2', reportFlow(PREPULL_OK));
    await createTaskJob(h.store, KIND, 'pull', ['n1', 'n2'], { concurrency: 1, failureTolerate: '1' });
    await h.waitForJob(KIND, 'pull', (j) => entry(j, 'n1').phase === 'InProgress', 'n1 started');
    await sleep(200);
    expect(n2.tasks()).toHaveLength(0);

    // What controllermanager does when the node's timeout passes.
    await mutate(
      h.store,
      KIND,
      'pull',
      (j) => {
        const e = j.status?.nodeStatus?.find((n) => n.nodeName === 'n1');
        if (e)
          Object.assign(e, {
            phase: 'Unknown',
            reason: 'timed out after 300s in Check (last finished: none)',
          });
        return j;
      },
      { status: true },
    );
    await h.waitForJob(
      KIND,
      'pull',
      (j) => entry(j, 'n2').phase === 'Successful',
      'n2 done in the freed slot',
    );

    // The late result of n1 still lands.
    for (const step of PREPULL_OK) {
      const reply = await silent.report('imageprepulljob', 'pull', step);
      expect(reply.route.operation).toBe('response');
    }
    const job = await getJob(h.store, KIND, 'pull');
    expect(entry(job, 'n1').phase).toBe('Successful');
    expect(entry(job, 'n1').reason).toBeUndefined();
  });
});
