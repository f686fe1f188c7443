// kill -9 of edgecore in the middle of a rolling update: a 3-replica
// Deployment rolls from v1 to v2 over two real edge nodes while a bare pod
// runs on each. Once the first v2 pod is placed (not yet Ready), the edgecore
// of its node is killed with SIGKILL and started again on the same database;
// then again for the second v2 pod. Afterwards the rollout completes, each
// node runs exactly the store's pods, one sandbox and one container each,
// nothing of the deleted v1 pods; pods that were running across a crash kept
// their container (the restarted edgecore adopted it: same container ID,
// restartCount 0), and the store shows every pod Running and Ready.
import type { Pod } from '@kedge/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RolloutCluster, containerIdOf, isReady } from '../support/rollout-cluster.ts';

describe('kill -9 of edgecore mid-rollout', () => {
  const cluster = new RolloutCluster();

  beforeAll(() => cluster.start('kedge-edgecore-crash-', 2), 300_000);
  afterAll(() => cluster.close(), 90_000);

  it('after the crash the rollout completes, running pods are adopted and none runs twice', async () => {
    await cluster.rollToV2();
    /** `{pod name: container ID}` of the pods Ready when an edgecore was killed. */
    const runningAtCrash = new Map<string, string>();
    const killed: string[] = [];
    for (const n of [1, 2]) {
      const fresh = await cluster.v2Placed(n);
      const edge = cluster.edge(fresh.spec.nodeName);
      for (const pod of await cluster.pods()) {
        if (pod.spec.nodeName === edge.name && isReady(pod))
          runningAtCrash.set(pod.metadata.name, containerIdOf(pod));
      }
      await edge.killHard();
      killed.push(edge.name);
      await new Promise((resolve) => setTimeout(resolve, 1500));
      await edge.start();
    }

    const done = await cluster.rolloutDone();
    const { running, expected } = await cluster.runtimeVersusStore(done);
    expect(running).toEqual(expected);
    for (const pod of done) {
      const status = pod.status?.containerStatuses?.[0];
      expect(status?.ready, pod.metadata.name).toBe(true);
      expect(status?.restartCount, `${pod.metadata.name} restartCount`).toBeLessThanOrEqual(1);
    }
    // Every pod that ran through a crash and is still wanted runs the very same container.
    const adopted = done.filter((p: Pod) => runningAtCrash.has(p.metadata.name));
    expect(adopted.map((p) => p.metadata.name)).toEqual(
      expect.arrayContaining(killed.map((node) => `steady-${node}`)),
    );
    for (const pod of adopted) {
      expect(pod.status?.containerStatuses?.[0], pod.metadata.name).toMatchObject({
        restartCount: 0,
        containerID: runningAtCrash.get(pod.metadata.name),
      });
    }
  });
});
