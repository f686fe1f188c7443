// kill -9 of cloudcore in the middle of a rolling update: a 3-replica
// Deployment rolls from v1 to v2 over two real edge nodes while a bare pod
// runs on each; the controllermanager keeps running on the same store. First
// crash: the moment the first v2 pod is Ready in the store, cloudcore is
// killed and stays down while the controller goes on (it deletes a v1 pod and
// places the next v2 pod, neither of which any node has heard of), then it
// is started again on the same store and port. Second crash: once the next
// v2 pod is placed and not yet Ready, a short kill and restart. Afterwards the
// rollout completes; nothing was lost (every pod bound to a node runs there,
// and each node's metaServer lists exactly the store's pods of that node);
// what was deleted while cloudcore was down is gone from the node too; no pod
// runs twice; the store shows every pod Running and Ready, and the bare pods'
// containers were never touched.
import type { Pod } from '@kedge/api';
import { waitFor } from '@kedge/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RolloutCluster, containerIdOf, isReady } from '../support/rollout-cluster.ts';

describe('kill -9 of cloudcore mid-rollout', () => {
  const cluster = new RolloutCluster();

  beforeAll(() => cluster.start('kedge-cloudcore-crash-', 2), 300_000);
  afterAll(() => cluster.close(), 90_000);

  const v2 = (pods: Pod[]): Pod[] => pods.filter((p) => p.spec.containers[0]?.image === cluster.images.v2);

  it('after the crash the rollout completes, nothing is lost and no pod runs twice', async () => {
    const cloudcore = cluster.cloudcore;
    if (!cloudcore) throw new Error('no cloudcore');
    const before = await cluster.pods();
    const steadyIds = new Map(
      before
        .filter((p) => p.metadata.name.startsWith('steady-'))
        .map((p) => [p.metadata.name, containerIdOf(p)]),
    );
    const v1Names = before.filter((p) => p.metadata.name.startsWith('app-')).map((p) => p.metadata.name);
    await cluster.rollToV2();

    // Crash 1: down while the controller deletes a v1 pod and places the next v2 pod.
    await waitFor(async () => (v2(await cluster.pods()).some(isReady) ? true : undefined), {
      what: 'the first v2 pod Ready',
      timeoutMs: 120_000,
      intervalMs: 20,
    });
    await cloudcore.killHard();
    const whileDown = await waitFor(
      async () => {
        const all = await cluster.pods();
        const placed = v2(all).filter((p) => p.spec.nodeName).length;
        const v1Left = all.filter((p) => v1Names.includes(p.metadata.name) && !p.metadata.deletionTimestamp);
        return placed >= 2 && v1Left.length < v1Names.length ? all : undefined;
      },
      { what: 'a v1 pod deleted and a second v2 pod placed while cloudcore is down', timeoutMs: 60_000 },
    );
    await cloudcore.start();

    // Crash 2: a short one while the second v2 pod starts.
    const fresh = await cluster.v2Placed(2);
    expect(fresh.metadata.name).not.toBe('');
    await cloudcore.killHard();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await cloudcore.start();

    const done = await cluster.rolloutDone();
    // The pods placed while cloudcore was down reached their nodes.
    const placedWhileDown = v2(whileDown).filter((p) => !isReady(p));
    expect(placedWhileDown.length).toBeGreaterThan(0);
    for (const pod of placedWhileDown) {
      const after = done.find((p) => p.metadata.uid === pod.metadata.uid);
      expect(after && isReady(after), `${pod.metadata.name} (placed while cloudcore was down) Ready`).toBe(
        true,
      );
    }
    const { running, expected } = await cluster.runtimeVersusStore(done);
    expect(running).toEqual(expected);
    const { atEdge, wanted } = await cluster.metaServerVersusStore(done);
    expect(atEdge).toEqual(wanted);
    for (const pod of done) {
      const status = pod.status?.containerStatuses?.[0];
      expect(status?.ready, pod.metadata.name).toBe(true);
      expect(status?.restartCount, `${pod.metadata.name} restartCount`).toBe(0);
    }
    for (const [name, id] of steadyIds) {
      expect(
        done.find((p) => p.metadata.name === name)?.status?.containerStatuses?.[0]?.containerID,
        name,
      ).toBe(id);
    }
  });
});
