import type { ConfigUpdateJob, ImagePrePullJob, NodeTaskRequest, NodeUpgradeJob } from '@kedge/api';
import { RELEASE_PIN_ANNOTATION } from '@kedge/api';
import { describe, expect, it } from 'vitest';
import { edgeSpec, taskMessage } from './task-messages.ts';

const metadata = { name: 'job-a', uid: 'uid-1' };
const nodeNames = Array.from({ length: 1000 }, (_, i) => `node-${i}`);

describe('taskMessage', () => {
  it('sends the spec without the node selection, so a job over N nodes is not N^2 names on the wire', () => {
    const job: NodeUpgradeJob = {
      apiVersion: 'operations.kubeedge.io/v1alpha2',
      kind: 'NodeUpgradeJob',
      metadata,
      spec: { version: 'v1.22.0', nodeNames, concurrency: 1000, timeoutSeconds: 600, failureTolerate: '0.1' },
    };
    const msg = taskMessage(job, 'node-7', 0);
    expect(msg.route).toMatchObject({
      source: 'taskmanager',
      group: 'taskmanager',
      operation: 'Check',
      resource: 'operations.kubeedge.io/v1alpha2/nodeupgradejob/job-a/node/node-7',
    });
    expect(msg.content as NodeTaskRequest).toEqual({
      jobUid: 'uid-1',
      spec: { version: 'v1.22.0', concurrency: 1000, timeoutSeconds: 600, failureTolerate: '0.1' },
    });
    expect(JSON.stringify(msg).length).toBeLessThan(600);
    expect(job.spec.nodeNames).toHaveLength(1000); // the job itself is left alone
  });

  it('sends the release controllermanager pinned as spec.image and imageDigestGatter, unless the author pinned one', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    const job: NodeUpgradeJob = {
      apiVersion: 'operations.kubeedge.io/v1alpha2',
      kind: 'NodeUpgradeJob',
      metadata: {
        ...metadata,
        annotations: { [RELEASE_PIN_ANNOTATION]: `reg.example:5000/kedge/pkg@${digest}` },
      },
      spec: { version: 'v1.22.0', nodeNames: ['n'] },
    };
    expect(edgeSpec(job)).toEqual({
      version: 'v1.22.0',
      image: 'reg.example:5000/kedge/pkg',
      imageDigestGatter: { amd64: digest, arm64: digest },
    });
    const own = `sha256:${'b'.repeat(64)}`;
    const authored = {
      ...job,
      spec: { ...job.spec, image: 'x.example/k/p', imageDigestGatter: { arm64: own } },
    };
    expect(edgeSpec(authored)).toEqual({
      version: 'v1.22.0',
      image: 'x.example/k/p',
      imageDigestGatter: { arm64: own },
    });
  });

  it('drops a labelSelector too, and for ImagePrePullJob looks inside the template', () => {
    const config: ConfigUpdateJob = {
      apiVersion: 'operations.kubeedge.io/v1alpha2',
      kind: 'ConfigUpdateJob',
      metadata,
      spec: { updateFields: { 'a.b': 'true' }, labelSelector: { matchLabels: { zone: 'x' } } },
    };
    expect(edgeSpec(config)).toEqual({ updateFields: { 'a.b': 'true' } });
    const prePull: ImagePrePullJob = {
      apiVersion: 'operations.kubeedge.io/v1alpha2',
      kind: 'ImagePrePullJob',
      metadata,
      spec: { imagePrePullTemplate: { images: ['nginx:1.27'], nodeNames, retryTimes: 2 } },
    };
    expect(edgeSpec(prePull)).toEqual({ imagePrePullTemplate: { images: ['nginx:1.27'], retryTimes: 2 } });
  });
});
