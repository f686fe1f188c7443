// A Pending entry whose node went away after the job selected it used to
// wait with no reason (and the job stayed InProgress): now it says which node
// it waits for, that node's Ready condition, and what starts the task.
import { LocalCloud } from '@kedge/localup';
import { tempDir, waitFor, type TempDir } from '@kedge/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawEdgeClient } from '../support/raw-edge-client.ts';

describe('a Pending node that disconnects', () => {
  let dir: TempDir;
  let cloud: LocalCloud;
  const edges: RawEdgeClient[] = [];

  beforeAll(async () => {
    dir = await tempDir('kedge-waiting-');
    cloud = new LocalCloud({ dir: dir.path, keepaliveTimeout: 60 });
    const cloudcore = await cloud.addCloudCore();
    await cloud.startControllerManager();
    for (const name of ['raw-a', 'raw-b']) {
      const edge = await RawEdgeClient.connect(cloudcore.address, name, cloud.token(name));
      await edge.register(name);
      edges.push(edge);
    }
    await cloud.waitForReady(['raw-a', 'raw-b']);
  });
  afterAll(async () => {
    for (const e of edges) e.close();
    await cloud?.close();
    await dir?.cleanup();
  });

  it('gets a reason naming the node, its Ready condition and what starts the task', async () => {
    await cloud.store.create('ImagePrePullJob', {
      apiVersion: 'operations.kubeedge.io/v1alpha2',
      kind: 'ImagePrePullJob',
      metadata: { name: 'one-at-a-time' },
      spec: {
        imagePrePullTemplate: {
          images: ['busybox:1.36'],
          nodeNames: ['raw-a', 'raw-b'],
          concurrency: 1,
          timeoutSeconds: 600,
        },
      },
    });
    // raw-a is sent its task and never answers; raw-b waits for its turn, then disconnects.
    const pending = await waitFor(
      async () => {
        const job = await cloud.store.get('ImagePrePullJob', 'one-at-a-time');
        const entries = job?.status?.nodeStatus ?? [];
        return entries.some((e) => e.phase === 'InProgress')
          ? entries.find((e) => e.phase === 'Pending')
          : undefined;
      },
      { what: 'one node started, one Pending', timeoutMs: 20_000 },
    );
    expect(pending.reason).toBeUndefined(); // a Ready node waiting for its turn needs no reason
    const waiting = edges.find((e) => e.ws.url.includes(`/${pending.nodeName}/`))!;
    waiting.close();
    const entry = await waitFor(
      async () => {
        const job = await cloud.store.get('ImagePrePullJob', 'one-at-a-time');
        const e = job?.status?.nodeStatus?.find((n) => n.nodeName === pending.nodeName);
        return e?.reason !== undefined ? e : undefined;
      },
      { what: `a reason on ${pending.nodeName}`, timeoutMs: 20_000 },
    );
    expect(entry.phase).toBe('Pending');
    expect(entry.reason).toMatch(
      new RegExp(
        `^waiting for node ${pending.nodeName}: NotReady since \\S+ \\(EdgeDisconnected: .*\\); the task starts when it is Ready and connected$`,
      ),
    );
  });
});
