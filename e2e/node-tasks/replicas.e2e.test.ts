// Two cloudcore replicas on one SQLite store, nodes split between them: the
// job's concurrency holds across both, and no node is failed for being
// connected to the other replica.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UpgradeFleet } from './upgrade-fleet.ts';

describe('NodeUpgradeJob across two cloudcore replicas', () => {
  const fleet = new UpgradeFleet();

  beforeAll(() => fleet.start());
  afterAll(() => fleet.close());

  it('holds concurrency globally and completes every node', async () => {
    const second = await fleet.cloud.addCloudCore();
    await fleet.addEdges(['s-1', 's-2']);
    await fleet.addEdges(['s-3', 's-4'], { server: second });
    const owners = await Promise.all(
      ['s-1', 's-2', 's-3', 's-4'].map(
        async (n) => (await fleet.cloud.store.get('Node', n))?.metadata.annotations?.cloudcore,
      ),
    );
    expect(new Set(owners).size).toBe(2);

    let maxInProgress = 0;
    let sawFailure = false;
    const sample = setInterval(() => {
      void fleet.job('split').then((j) => {
        const entries = j?.status?.nodeStatus ?? [];
        maxInProgress = Math.max(maxInProgress, entries.filter((e) => e.phase === 'InProgress').length);
        sawFailure ||= entries.some((e) => e.phase === 'Failure');
      });
    }, 20);
    try {
      await fleet.createJob('split', { nodeNames: ['s-1', 's-2', 's-3', 's-4'], concurrency: 1 });
      const job = await fleet.finished('split');
      expect(job.status?.phase).toBe('Completed');
      const dispatchers = new Set(job.status?.nodeStatus?.map((e) => e.dispatchedBy));
      expect(dispatchers).toEqual(new Set(['cloudcore-0', 'cloudcore-1']));
    } finally {
      clearInterval(sample);
    }
    expect(maxInProgress).toBe(1);
    expect(sawFailure).toBe(false);
    for (const n of ['s-1', 's-2', 's-3', 's-4']) expect(await fleet.runningVersion(n)).toBe('v1.1.0');
  });
});
