// A node whose edge task manager is off (modules.taskManager.enable: false,
// the KubeEdge default) used to leave a job's entry silent until the cloud's
// timeout ("timed out after 20s in Checking"); it now fails at once with the
// cause, as the node's reason in the job.
import { LocalCloud, LocalEdge } from '@kedge/localup';
import { tempDir, waitFor, type TempDir } from '@kedge/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

describe('a job on a node whose task manager is off', () => {
  let dir: TempDir;
  let cloud: LocalCloud;
  let edge: LocalEdge;

  beforeAll(async () => {
    dir = await tempDir('kedge-tm-off-');
    cloud = new LocalCloud({ dir: dir.path, keepaliveTimeout: 6 });
    const cloudcore = await cloud.addCloudCore();
    await cloud.startControllerManager();
    edge = await LocalEdge.create(dir.path, {
      name: 'edge-off',
      server: cloudcore.address,
      token: cloud.token('edge-off'),
      taskManager: false,
      heartbeat: 1,
    });
    await edge.start();
    await cloud.waitForReady(['edge-off']);
  });
  afterAll(async () => {
    await edge?.stop();
    await cloud?.close();
    await dir?.cleanup();
  });

  it('fails the node at once with the reason naming modules.taskManager.enable', async () => {
    await cloud.store.create('ImagePrePullJob', {
      apiVersion: 'operations.kubeedge.io/v1alpha2',
      kind: 'ImagePrePullJob',
      metadata: { name: 'pull-on-off' },
      spec: {
        imagePrePullTemplate: { images: ['busybox:1.36'], nodeNames: ['edge-off'], timeoutSeconds: 120 },
      },
    });
    const job = await waitFor(
      async () => {
        const j = await cloud.store.get('ImagePrePullJob', 'pull-on-off');
        return j?.status?.phase === 'Failure' ? j : undefined;
      },
      { what: 'pull-on-off failed', timeoutMs: 30_000 },
    );
    const entry = job.status?.nodeStatus?.[0];
    expect(entry?.phase).toBe('Failure');
    expect(entry?.reason).toMatch(
      /^Check failed: KEDGE_TASK_MODULE_DISABLED: taskManager module disabled on this node \(modules\.taskManager\.enable: false\)/,
    );
  });
});
