// Coalescing: many nodes reporting on one job at once cost a handful of
// status writes, and every report is still acknowledged only once stored.
import type { KindName, NodeTaskJob, ResourceOf } from '@kedge/api';
import { systemClock } from '@kedge/runtime';
import { mutate, type ResourceStore } from '@kedge/store';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTaskJob, entry, getJob, testLogger } from '../../../test/task-cloud.ts';
import type { TaskEdge } from '../../../test/task-edge.ts';
import { TaskHarness } from '../../../test/task-harness.ts';
import { JobStatusWriter } from './job-status-writer.ts';

/** Delegates to `store`, counting status writes per kind. */
function countingStore(store: ResourceStore, counts: Map<string, number>): ResourceStore {
  return {
    get: (kind, name, namespace) => store.get(kind, name, namespace),
    list: (kind, options) => store.list(kind, options),
    create: (kind, object) => store.create(kind, object),
    update: (kind, object) => store.update(kind, object),
    updateStatus: <K extends KindName>(kind: K, object: ResourceOf<K>) => {
      counts.set(kind, (counts.get(kind) ?? 0) + 1);
      return store.updateStatus(kind, object);
    },
    delete: (kind, name, namespace, options) => store.delete(kind, name, namespace, options),
    watch: (kind, options) => store.watch(kind, options),
    close: () => store.close(),
  };
}

describe('coalesced job status writes', () => {
  let h: TaskHarness;
  beforeEach(async () => {
    h = await TaskHarness.create();
  });
  afterEach(async () => {
    await h.close();
  });

  // 20 ms: an idle writer collects for a moment; 0: only what queues up during a write is batched.
  it.each([20, 0])(
    'records 200 concurrent reports for one job in far fewer than 200 writes (window %i ms)',
    async (windowMs) => {
      const writes = new Map<string, number>();
      const cloud = await h.cloud('cloudcore-a', {
        batchWindowMs: windowMs,
        wrapStore: (store) => countingStore(store, writes),
      });
      const names = Array.from({ length: 200 }, (_, i) => `n${String(i).padStart(3, '0')}`);
      const edges: TaskEdge[] = [];
      for (let i = 0; i < names.length; i += 25) {
        edges.push(...(await Promise.all(names.slice(i, i + 25).map((n) => h.edge(cloud, n)))));
      }
      // concurrency 1: the executor claims n000 once; every other write below is a report batch.
      const created = await createTaskJob(h.store, 'ImagePrePullJob', 'pull', names, { concurrency: 1 });
      await h.waitForJob(
        'ImagePrePullJob',
        'pull',
        (j) => entry(j, 'n000').phase === 'InProgress',
        'n000 claimed',
      );
      const before = writes.get('ImagePrePullJob') ?? 0;

      const replies = await Promise.all(
        edges.map((e) =>
          e.report('imageprepulljob', 'pull', {
            action: 'Check',
            succ: true,
            finishTime: '2025-05-28T08:12:01Z',
            jobUid: created.metadata.uid,
          }),
        ),
      );
      const reportWrites = (writes.get('ImagePrePullJob') ?? 0) - before;

      expect(replies.map((r) => r.route.operation)).toEqual(names.map(() => 'response'));
      // Acked means stored: every entry carries its report as soon as all acks are in.
      const job = await getJob(h.store, 'ImagePrePullJob', 'pull');
      for (const n of names) {
        expect(entry(job, n).actionFlow, n).toEqual([
          { action: 'Check', status: 'True', time: '2025-05-28T08:12:01Z' },
        ]);
      }
      console.info(
        `200 concurrent reports for one job, window ${windowMs} ms: ${reportWrites} status writes`,
      );
      expect(reportWrites).toBeGreaterThan(0);
      expect(reportWrites).toBeLessThanOrEqual(40);
    },
  );
});

describe('JobStatusWriter', () => {
  let h: TaskHarness;
  beforeEach(async () => {
    h = await TaskHarness.create();
  });
  afterEach(async () => {
    await h.close();
  });

  function writer(store: ResourceStore): JobStatusWriter {
    return new JobStatusWriter({
      store,
      kind: 'ConfigUpdateJob',
      name: 'cfg',
      clock: systemClock,
      log: testLogger(),
      windowMs: 5,
    });
  }

  function setReason(node: string, reason: string) {
    return (job: NodeTaskJob) => {
      const e = job.status?.nodeStatus?.find((n) => n.nodeName === node);
      if (!e) throw new Error(`no entry for ${node}`);
      e.reason = reason;
      return { changed: true, value: node };
    };
  }

  it('fails only the change that throws; the rest of the batch is written', async () => {
    await createTaskJob(h.store, 'ConfigUpdateJob', 'cfg', ['n1', 'n2']);
    const w = writer(h.store);
    const results = await Promise.allSettled([
      w.submit(setReason('n1', 'one')),
      w.submit(setReason('ghost', 'boo')),
      w.submit(setReason('n2', 'two')),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const job = await getJob(h.store, 'ConfigUpdateJob', 'cfg');
    expect([entry(job, 'n1').reason, entry(job, 'n2').reason]).toEqual(['one', 'two']);
  });

  it('re-applies the batch on a fresh read when another writer got there first', async () => {
    await createTaskJob(h.store, 'ConfigUpdateJob', 'cfg', ['n1', 'n2']);
    let raced = false;
    const racing: ResourceStore = {
      ...h.store,
      get: (kind, name, namespace) => h.store.get(kind, name, namespace),
      updateStatus: async (kind, object) => {
        if (!raced) {
          raced = true; // another replica writes n2 between our read and our write
          await mutate(h.store, 'ConfigUpdateJob', 'cfg', setReasonOnCopy('n2', 'theirs'), { status: true });
        }
        return h.store.updateStatus(kind, object);
      },
    };
    await writer(racing).submit(setReason('n1', 'ours'));
    const job = await getJob(h.store, 'ConfigUpdateJob', 'cfg');
    expect([entry(job, 'n1').reason, entry(job, 'n2').reason]).toEqual(['ours', 'theirs']);
  });
});

function setReasonOnCopy(node: string, reason: string) {
  return (job: ResourceOf<'ConfigUpdateJob'>) => {
    const e = job.status?.nodeStatus?.find((n) => n.nodeName === node);
    if (e) e.reason = reason;
    return job;
  };
}
