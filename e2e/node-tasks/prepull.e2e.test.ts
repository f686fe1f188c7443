// ImagePrePullJob end to end: cloudcore + controllermanager processes, three
// edgecore processes each with its own real containerd (CRI over its unix
// socket), busybox images built here and pushed to real registries, one of
// them behind Basic auth (credentials from a Secret in the store, delivered
// to the nodes through the tunnel).
import type { WatchEvent } from '@kedge/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PULL_AUTH, PrePullFleet, type PrePullJob } from './prepull-fleet.ts';

const NODES = ['p-1', 'p-2', 'p-3'];

describe('ImagePrePullJob', () => {
  const fleet = new PrePullFleet();
  let publicRef: string;
  let privateRef: string;
  let missingRef: string;

  beforeAll(async () => {
    await fleet.start();
    publicRef = (await fleet.pushImage('kedge/busybox-public')).ref;
    privateRef = (await fleet.pushImage('kedge/busybox-private', { private: true })).ref;
    missingRef = `${fleet.open.url}/kedge/never-pushed:v1`;
    await fleet.createPullSecret('kubeedge', 'regcred');
    await fleet.addNodes(NODES);
  });
  afterAll(() => fleet.close());

  it('pulls a public and a private image on three nodes, fails the missing one after retrying only it', async () => {
    const versions: PrePullJob[] = [];
    const watching = new AbortController();
    const events = fleet.cloud.store.watch('ImagePrePullJob', { signal: watching.signal });
    void (async () => {
      for await (const e of events as AsyncIterable<WatchEvent<'ImagePrePullJob'>>) {
        if (e.object.metadata.name === 'three') versions.push(e.object);
      }
    })().catch(() => undefined);

    await fleet.createJob('three', {
      images: [publicRef, privateRef, missingRef],
      nodeNames: NODES,
      imageSecrets: 'kubeedge/regcred',
      retryTimes: 2,
      concurrency: 3,
      failureTolerate: '1',
    });
    const job = await fleet.finished('three');
    watching.abort();

    // Every node failed (one image is missing), which failureTolerate "1" tolerates.
    expect(job.status?.phase).toBe('Completed');
    for (const name of NODES) {
      const entry = fleet.entry(job, name);
      expect(entry.phase).toBe('Failure');
      expect(entry.actionFlow?.map((a) => `${a.action}=${a.status}`)).toEqual([
        'Check=True',
        'PrePull=False',
      ]);
      expect(entry.imageStatus?.map((s) => [s.image, s.status])).toEqual([
        [publicRef, 'True'],
        [privateRef, 'True'],
        [missingRef, 'False'],
      ]);
      const missing = entry.imageStatus?.[2]?.reason ?? '';
      expect(missing).toMatch(/^failed 3 times: NOT_FOUND: failed to pull and unpack image .*not found$/);
      expect(entry.reason).toBe(`PrePull failed: 1 of 3 images failed to pull: ${missingRef}: ${missing}`);

      // Really in the node's containerd; the missing image alone was retried.
      const { containerd } = fleet.node(name);
      const stored = await containerd.imageNames();
      expect(stored).toEqual(expect.arrayContaining([publicRef, privateRef]));
      expect(stored).not.toContain(missingRef);
      expect([publicRef, privateRef, missingRef].map((i) => containerd.pullRequests(i))).toEqual([1, 1, 3]);
    }

    // The status said which images were done while the nodes were still at it.
    const midway = versions.flatMap((v) =>
      (v.status?.nodeStatus ?? []).filter(
        (e) => e.phase === 'InProgress' && e.actionFlow?.length === 1 && (e.imageStatus?.length ?? 0) > 0,
      ),
    );
    expect(new Set(midway.map((e) => e.nodeName))).toEqual(new Set(NODES));
    expect(
      midway.some((e) => /^attempt \d of 3 failed, retrying: /.test(e.imageStatus?.[2]?.reason ?? '')),
    ).toBe(true);

    // The pull credentials reached the nodes only through their edge cache.
    const secretText = JSON.stringify(versions);
    expect(secretText).not.toContain(PULL_AUTH.password);
  });

  it('completes without pulling again when the nodes have the images, and stops the rollout past failureTolerate', async () => {
    await fleet.createJob('again', {
      images: [publicRef, privateRef],
      nodeNames: NODES,
      imageSecrets: 'kubeedge/regcred',
    });
    const again = await fleet.finished('again');
    expect(again.status?.phase).toBe('Completed');
    for (const name of NODES) {
      expect(fleet.entry(again, name)).toMatchObject({
        phase: 'Successful',
        imageStatus: [
          { image: publicRef, status: 'True' },
          { image: privateRef, status: 'True' },
        ],
      });
      const { containerd } = fleet.node(name);
      expect([publicRef, privateRef].map((i) => containerd.pullRequests(i))).toEqual([1, 1]);
    }

    // One node at a time; after the second failure 2/3 > 0.5 and the third is never started.
    await fleet.createJob('strict', {
      images: [missingRef],
      nodeNames: NODES,
      concurrency: 1,
      failureTolerate: '0.5',
    });
    const strict = await fleet.finished('strict');
    expect(strict.status?.phase).toBe('Failure');
    const phases = NODES.map((n) => fleet.entry(strict, n).phase);
    expect(phases.filter((p) => p === 'Failure')).toHaveLength(2);
    const notStarted = NODES.map((n) => fleet.entry(strict, n)).find((e) => e.phase === 'Pending');
    expect(notStarted?.reason).toMatch(
      /^not started: rollout stopped after 2 of 3 nodes failed \(failureTolerate 0\.5\)$/,
    );
  });

  it('fails Check with the socket in the reason when the node cannot reach its runtime', async () => {
    const down = fleet.node('p-3');
    await down.containerd.stop();
    await fleet.createJob('down', { images: [publicRef], nodeNames: ['p-3'] });
    const job = await fleet.finished('down');
    expect(job.status?.phase).toBe('Failure');
    const entry = fleet.entry(job, 'p-3');
    expect(entry.actionFlow?.map((a) => `${a.action}=${a.status}`)).toEqual(['Check=False']);
    expect(entry.reason).toBe(
      `Check failed: container runtime at ${down.containerd.endpoint} is not reachable: connect ENOENT ${down.containerd.socket}`,
    );
  });
});
