import {
  NodeTaskOperations,
  newMessage,
  nodeTaskResource,
  type ImagePrePullJob,
  type ImagePrePullNodeStatus,
  type ImageStatus,
} from '@kedge/api';
import { describe, expect, it } from 'vitest';
import { applyProgress, parseProgressMessage, type NodeProgress } from './apply-progress.ts';
import { applyReport } from './apply-report.ts';
import { parseReportExtend } from './report-extend.ts';

const T1 = '2025-05-28T08:00:00Z';
const T2 = '2025-05-28T08:05:00Z';

function prePullJob(entry: ImagePrePullNodeStatus): ImagePrePullJob {
  return {
    apiVersion: 'operations.kubeedge.io/v1alpha2',
    kind: 'ImagePrePullJob',
    metadata: { name: 'pull', uid: 'uid-1' },
    spec: { imagePrePullTemplate: { images: ['a:1', 'b:1'], nodeNames: ['n1'] } },
    status: { phase: 'InProgress', nodeStatus: [entry] },
  };
}

function progressMsg(images: ImageStatus[], content: Record<string, unknown> = {}, resource?: string) {
  return newMessage({
    source: 'taskmanager',
    group: 'taskmanager',
    operation: NodeTaskOperations.updateNodeActionProgress,
    resource: resource ?? nodeTaskResource('imageprepulljob', 'pull', 'n1'),
    content: { action: 'PrePull', extend: JSON.stringify(images), jobUid: 'uid-1', ...content },
  });
}

function progress(images: ImageStatus[], content: Record<string, unknown> = {}): NodeProgress {
  return parseProgressMessage(progressMsg(images, content));
}

const checked = (): ImagePrePullNodeStatus => ({
  nodeName: 'n1',
  phase: 'InProgress',
  actionFlow: [{ action: 'Check', status: 'True', time: T1 }],
});

describe('applyProgress', () => {
  it('updates imageStatus while PrePull runs, without touching actionFlow or phase', () => {
    const job = prePullJob(checked());
    const first = progress([{ image: 'a:1', status: 'True' }]);
    expect(applyProgress(job, first)).toEqual({ changed: true, value: 'applied' });
    const retrying = progress([
      { image: 'a:1', status: 'True' },
      { image: 'b:1', status: 'False', reason: 'attempt 1 of 2 failed, retrying: not found' },
    ]);
    expect(applyProgress(job, retrying).value).toBe('applied');
    const entry = job.status?.nodeStatus?.[0];
    expect(entry).toEqual({
      ...checked(),
      imageStatus: [
        { image: 'a:1', status: 'True' },
        { image: 'b:1', status: 'False', reason: 'attempt 1 of 2 failed, retrying: not found' },
      ],
    });
    expect(applyProgress(job, retrying)).toEqual({ changed: false, value: 'unchanged' });
  });

  it('ignores progress before Check is recorded, after the final report, and from another job incarnation', () => {
    const fresh = prePullJob({ nodeName: 'n1', phase: 'InProgress' });
    expect(applyProgress(fresh, progress([{ image: 'a:1', status: 'True' }])).value).toBe('ignored');

    const job = prePullJob(checked());
    const extend = JSON.stringify([
      { image: 'a:1', status: 'True' },
      { image: 'b:1', status: 'False', reason: 'failed 2 times: not found' },
    ]);
    applyReport(job, {
      node: 'n1',
      time: T2,
      report: {
        action: 'PrePull',
        succ: false,
        finishTime: T2,
        reason: '1 of 2 failed',
        extend,
        jobUid: 'uid-1',
      },
      extend: parseReportExtend('imageprepulljob', 'PrePull', extend, 'test'),
    });
    const late = progress([{ image: 'b:1', status: 'False', reason: 'attempt 1 of 2 failed, retrying: x' }]);
    expect(applyProgress(job, late)).toEqual({ changed: false, value: 'ignored' });
    expect(job.status?.nodeStatus?.[0]?.imageStatus?.[1]?.reason).toBe('failed 2 times: not found');

    const other = progress([{ image: 'a:1', status: 'True' }], { jobUid: 'uid-0' });
    expect(applyProgress(prePullJob(checked()), other).value).toBe('ignored');
  });

  it('refuses progress that is malformed, for another action or kind, or for a node without an entry', () => {
    expect(() => parseProgressMessage(progressMsg([], { action: 'Check' }))).toThrow(
      'progress from node n1 for imageprepulljob pull: content.action: only PrePull of an ImagePrePullJob reports progress',
    );
    expect(() =>
      parseProgressMessage(progressMsg([], {}, nodeTaskResource('nodeupgradejob', 'up', 'n1'))),
    ).toThrow(/only PrePull of an ImagePrePullJob reports progress/);
    expect(() => parseProgressMessage(progressMsg([], { extend: '[{"image":"a"}]' }))).toThrow(
      /content\.extend\[0\]\.status/,
    );
    expect(() => parseProgressMessage(progressMsg([], { extend: 42 }))).toThrow(/content\.extend: /);
    const job = prePullJob({ ...checked(), nodeName: 'n2' });
    expect(() => applyProgress(job, progress([{ image: 'a:1', status: 'True' }]))).toThrow(
      'ImagePrePullJob pull has no entry for node n1 (progress of PrePull)',
    );
  });
});
