// JobTracker on a real SQLite store: milestones from the change log, the
// job's writes split by writer, and the per-entry check of the final state.
import { join } from 'node:path';
import type { ConfigUpdateJob } from '@kedge/api';
import { openSqliteStore, type ResourceStore } from '@kedge/store';
import { tempDir, type TempDir } from '@kedge/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JobTracker } from './job-tracker.ts';

const T = '2026-11-25T10:00:00Z';

describe('JobTracker', () => {
  let dir: TempDir;
  let store: ResourceStore;
  let tracker: JobTracker;

  beforeEach(async () => {
    dir = await tempDir('edgemark-tracker-');
    store = openSqliteStore({ path: join(dir.path, 'kedge.db') });
    await store.create('Node', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'unrelated' } });
    tracker = new JobTracker(join(dir.path, 'kedge.db'), 'ConfigUpdateJob', 'cfg');
  });

  afterEach(async () => {
    tracker.close();
    await store.close();
    await dir.cleanup();
  });

  it('sees each milestone once and tells cloudcore writes from controllermanager writes', async () => {
    const nodes = ['a', 'b'];
    let job = await store.create('ConfigUpdateJob', {
      apiVersion: 'operations.kubeedge.io/v1alpha2',
      kind: 'ConfigUpdateJob',
      metadata: { name: 'cfg' },
      spec: { updateFields: { 'modules.edgeStream.enable': 'true' }, nodeNames: nodes },
    });
    expect(tracker.poll(1)?.phase).toBeUndefined();
    const status = (s: ConfigUpdateJob['status']): Promise<ConfigUpdateJob> =>
      store.updateStatus('ConfigUpdateJob', { ...job, status: s });
    // controllermanager: defaults + finalizer, then Init
    job = await store.update('ConfigUpdateJob', {
      ...job,
      metadata: { ...job.metadata, finalizers: ['f'] },
      spec: { ...job.spec, concurrency: 2 },
    });
    job = await status({
      phase: 'Init',
      progress: '0/2 done, 0 failed',
      nodeStatus: nodes.map((n) => ({ nodeName: n, phase: 'Pending' })),
    });
    expect(tracker.poll(2)?.counts).toEqual({
      total: 2,
      pending: 2,
      inProgress: 0,
      successful: 0,
      failed: 0,
    });
    // cloudcore: claim both, then the reports
    job = await status({
      ...job.status!,
      nodeStatus: nodes.map((n) => ({ nodeName: n, phase: 'InProgress', startTime: T })),
    });
    tracker.poll(3);
    const flow = (['Check', 'Backup', 'ConfigUpdate'] as const).map((action) => ({
      action,
      status: 'True' as const,
      time: T,
    }));
    job = await status({
      ...job.status!,
      nodeStatus: nodes.map((n) => ({ nodeName: n, phase: 'Successful', startTime: T, actionFlow: flow })),
    });
    tracker.poll(4);
    // controllermanager: Completed
    job = await status({ ...job.status!, phase: 'Completed', progress: '2/2 done, 0 failed' });
    tracker.poll(5);
    tracker.poll(6); // nothing new: milestones keep their first time

    expect(tracker.seen).toEqual({ init: 2, allClaimed: 3, allReported: 4, completed: 5 });
    expect(tracker.writes()).toMatchObject({
      job: 6,
      byCloudcore: 2,
      byControllerManager: 3,
      overall: 6,
      byKind: { ConfigUpdateJob: 6 },
    });
    expect(tracker.verify(3, undefined)).toEqual({ good: 2, total: 2 });
    expect(tracker.verify(4, undefined)).toEqual({ good: 0, total: 2 });
  });
});
