// ImagePrePullJob through a real CloudCore: the pull Secret reaches the node
// (resource insert into its edge cache) right before the task, and
// UpdateNodeActionProgress keeps the entry's imageStatus current while the
// node pulls, without touching its actionFlow or phase.
import {
  type ImagePrePullJob,
  type Message,
  newMessage,
  type NodeTaskJob,
  NodeTaskOperations,
  nodeTaskResource,
  type Secret,
} from '@kedge/api';
import type { ResourceStore } from '@kedge/store';
import { waitFor } from '@kedge/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { entry, getJob } from '../../test/task-cloud.ts';
import type { TaskEdge } from '../../test/task-edge.ts';
import { TaskHarness } from '../../test/task-harness.ts';

async function createPrePullJob(
  store: ResourceStore,
  name: string,
  imageSecrets: string,
): Promise<NodeTaskJob> {
  const created = await store.create('ImagePrePullJob', {
    apiVersion: 'operations.kubeedge.io/v1alpha2',
    kind: 'ImagePrePullJob',
    metadata: { name },
    spec: {
      imagePrePullTemplate: {
        images: ['127.0.0.1:5000/a:1', '127.0.0.1:5000/b:1'],
        nodeNames: ['n1'],
        imageSecrets,
        concurrency: 1,
        timeoutSeconds: 300,
        failureTolerate: '0',
      },
    },
  } satisfies ImagePrePullJob);
  return (await store.updateStatus('ImagePrePullJob', {
    ...created,
    status: { phase: 'Init', nodeStatus: [{ nodeName: 'n1', phase: 'Pending' }] },
  })) as NodeTaskJob;
}

function progress(edge: TaskEdge, job: string, images: unknown[], jobUid: string): Promise<Message> {
  return edge.request(
    newMessage({
      source: 'taskmanager',
      group: 'taskmanager',
      operation: NodeTaskOperations.updateNodeActionProgress,
      resource: nodeTaskResource('imageprepulljob', job, edge.nodeName),
      content: { action: 'PrePull', extend: JSON.stringify(images), jobUid },
      sync: true,
    }),
  );
}

describe('ImagePrePullJob dispatch and progress', () => {
  let h: TaskHarness;
  beforeEach(async () => {
    h = await TaskHarness.create();
  });
  afterEach(async () => {
    await h.close();
  });

  it('sends the pull secret before the task and applies progress until the final report', async () => {
    const secret = (await h.store.create('Secret', {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'regcred', namespace: 'kubeedge' },
      type: 'kubernetes.io/dockerconfigjson',
      data: { '.dockerconfigjson': Buffer.from('{"auths":{}}').toString('base64') },
    })) as Secret;
    const cloud = await h.cloud('cloudcore-a');
    const n1 = await h.edge(cloud, 'n1');
    const job = await createPrePullJob(h.store, 'pull', 'kubeedge/regcred');
    const uid = job.metadata.uid ?? '';

    await waitFor(() => n1.tasks().length === 1 || undefined, { what: 'the task', timeoutMs: 10_000 });
    const insertAt = n1.received.findIndex(
      (m) => m.route.group === 'resource' && m.route.resource === 'kubeedge/secret/regcred',
    );
    const taskAt = n1.received.findIndex((m) => m.route.operation === 'Check');
    expect(insertAt).toBeGreaterThanOrEqual(0);
    expect(insertAt).toBeLessThan(taskAt);
    const insert = n1.received[insertAt];
    expect(insert?.route.operation).toBe('insert');
    expect(insert?.header.resourceversion).toBe(secret.metadata.resourceVersion);
    expect(insert?.content).toEqual(secret);

    // Progress before Check is recorded changes nothing.
    expect((await progress(n1, 'pull', [{ image: '127.0.0.1:5000/a:1', status: 'True' }], uid)).content).toBe(
      'OK',
    );
    expect(entry(await getJob(h.store, 'ImagePrePullJob', 'pull'), 'n1')).not.toHaveProperty('imageStatus');

    await n1.report('imageprepulljob', 'pull', { action: 'Check', succ: true });
    await progress(n1, 'pull', [{ image: '127.0.0.1:5000/a:1', status: 'True' }], uid);
    await progress(
      n1,
      'pull',
      [
        { image: '127.0.0.1:5000/a:1', status: 'True' },
        {
          image: '127.0.0.1:5000/b:1',
          status: 'False',
          reason: 'attempt 1 of 2 failed, retrying: not found',
        },
      ],
      uid,
    );
    const during = entry(await getJob(h.store, 'ImagePrePullJob', 'pull'), 'n1');
    expect(during).toMatchObject({
      phase: 'InProgress',
      imageStatus: [
        { image: '127.0.0.1:5000/a:1', status: 'True' },
        {
          image: '127.0.0.1:5000/b:1',
          status: 'False',
          reason: 'attempt 1 of 2 failed, retrying: not found',
        },
      ],
    });
    expect(during.actionFlow?.map((a) => a.action)).toEqual(['Check']);

    const final = [
      { image: '127.0.0.1:5000/a:1', status: 'True' },
      { image: '127.0.0.1:5000/b:1', status: 'True' },
    ];
    await n1.report('imageprepulljob', 'pull', {
      action: 'PrePull',
      succ: true,
      extend: JSON.stringify(final),
    });
    // A progress report overtaken by the final one is answered but not applied.
    await progress(n1, 'pull', [{ image: '127.0.0.1:5000/b:1', status: 'False', reason: 'late' }], uid);
    const done = entry(await getJob(h.store, 'ImagePrePullJob', 'pull'), 'n1');
    expect(done).toMatchObject({ phase: 'Successful', imageStatus: final });
    expect(done.actionFlow?.map((a) => `${a.action}=${a.status}`)).toEqual(['Check=True', 'PrePull=True']);
  });

  it('still sends the task when the secret does not exist (the node says it never arrived)', async () => {
    const cloud = await h.cloud('cloudcore-a');
    const n1 = await h.edge(cloud, 'n1');
    await createPrePullJob(h.store, 'nosecret', 'kubeedge/absent');
    await waitFor(() => n1.tasks().length === 1 || undefined, { what: 'the task', timeoutMs: 10_000 });
    expect(n1.received.some((m) => m.route.resource.includes('/secret/'))).toBe(false);
  });

  it('never reads or sends a pull Secret outside modules.taskManager.imageSecretNamespaces', async () => {
    const payload = Buffer.from('{"auths":{"r":{"auth":"c2VjcmV0"}}}').toString('base64');
    await h.store.create('Secret', {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'admin-pull', namespace: 'kube-system' },
      type: 'kubernetes.io/dockerconfigjson',
      data: { '.dockerconfigjson': payload },
    });
    const cloud = await h.cloud('cloudcore-a');
    const n1 = await h.edge(cloud, 'n1');
    await createPrePullJob(h.store, 'steal', 'kube-system/admin-pull');
    await waitFor(() => n1.tasks().length === 1 || undefined, { what: 'the task', timeoutMs: 10_000 });
    expect(n1.received.some((m) => m.route.resource.includes('/secret/'))).toBe(false);
    expect(JSON.stringify(n1.received)).not.toContain(payload);
  });

  it('refuses progress for another action with a non-retryable error naming it', async () => {
    const cloud = await h.cloud('cloudcore-a');
    const n1 = await h.edge(cloud, 'n1');
    const reply = await n1.request(
      newMessage({
        source: 'taskmanager',
        group: 'taskmanager',
        operation: NodeTaskOperations.updateNodeActionProgress,
        resource: nodeTaskResource('imageprepulljob', 'pull', 'n1'),
        content: { action: 'Check', extend: '[]' },
        sync: true,
      }),
    );
    expect(reply.route.operation).toBe('error');
    expect(reply.content).toMatchObject({
      code: 'KEDGE_TASK_INVALID',
      retryable: false,
      message:
        'progress from node n1 for imageprepulljob pull: content.action: only PrePull of an ImagePrePullJob reports progress',
    });
  });
});
