// kill -9 of edgecore in the middle of a rolling update: a 3-replica
// Deployment rolls from v1 to v2 over two real edge nodes while a bare pod
// runs on each. Three crashes (SIGKILL, then started again on the same
// database): the node of each v2 pod while that pod starts; during the second
// outage the node's bare pod is deleted from the store, so the cloud holds a
// delete for a node that is down. Afterwards the rollout completes, each
// node runs exactly the store's pods, one sandbox and one container each,
// nothing of the deleted v1 pods nor of the deleted bare pod; pods that were running across a crash kept
// their container (the restarted edgecore adopted it: same container ID,
// restartCount 0), and the store shows every pod Running and Ready.
import type { Pod } from '@kedge/api';
import type { LocalEdge } from '@kedge/localup';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RolloutCluster, containerIdOf, isReady } from '../support/rollout-cluster.ts';

describe('kill -9 of edgecore mid-rollout', () => {
  const cluster = new RolloutCluster();

  beforeAll(() => cluster.start('kedge-edgecore-crash-', 2), 300_000);
  afterAll(() => cluster.close(), 90_000);

  it('after the crash the rollout completes, running pods are adopted and none runs twice', async () => {
    await cluster.rollToV2();
    /** `{pod name: container ID}` of the pods Ready on a node when its edgecore was killed. */
    const runningAtCrash = new Map<string, string>();
    const killed = new Set<string>();
    const kill = async (edges: LocalEdge[]): Promise<void> => {
      for (const pod of await cluster.pods()) {
        if (edges.some((e) => e.name === pod.spec.nodeName) && isReady(pod)) {
          runningAtCrash.set(pod.metadata.name, containerIdOf(pod));
        }
      }
      await Promise.all(edges.map((e) => e.killHard()));
      for (const e of edges) killed.add(e.name);
    };
    const start = (edges: LocalEdge[]): Promise<void[]> => Promise.all(edges.map((e) => e.start()));

    // Crash 1: the node of the first v2 pod, while that pod starts.
    const first = cluster.edge((await cluster.v2Placed(1)).spec.nodeName);
    await kill([first]);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await start([first]);

    // Crash 2: the node of the second v2 pod, while that pod starts; while it is down its bare
    // pod is deleted from the store (the cloud has a delete for a node that is not there).
    const second = cluster.edge((await cluster.v2Placed(2)).spec.nodeName);
    await kill([second]);
    const removed = `steady-${second.name}`;
    await cluster.store.delete('Pod', removed, 'default');
    runningAtCrash.delete(removed);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    await start([second]);

    // Crash 3: the node of the third v2 pod, while that pod starts.
    const third = cluster.edge((await cluster.v2Placed(3)).spec.nodeName);
    await kill([third]);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await start([third]);

    const done = await cluster.rolloutDone();
    const { running, expected } = await cluster.runtimeVersusStore(done);
    expect(running).toEqual(expected);
    const { atEdge, wanted } = await cluster.metaServerVersusStore(done);
    expect(atEdge).toEqual(wanted);
    for (const pod of done) {
      const status = pod.status?.containerStatuses?.[0];
      expect(status?.ready, pod.metadata.name).toBe(true);
      expect(status?.restartCount, `${pod.metadata.name} restartCount`).toBeLessThanOrEqual(1);
    }
    // Every pod that ran through a crash and is still wanted runs the very same container.
    const adopted = done.filter((p: Pod) => runningAtCrash.has(p.metadata.name));
    expect(done.map((p) => p.metadata.name)).not.toContain(removed);
    expect(adopted.map((p) => p.metadata.name)).toEqual(
      expect.arrayContaining(
        [...killed].filter((node) => node !== second.name).map((node) => `steady-${node}`),
      ),
    );
    for (const pod of adopted) {
      expect(pod.status?.containerStatuses?.[0], pod.metadata.name).toMatchObject({
        restartCount: 0,
        containerID: runningAtCrash.get(pod.metadata.name),
      });
    }
  });
});
