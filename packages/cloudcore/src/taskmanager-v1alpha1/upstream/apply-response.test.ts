import { validateAs, type V1alpha1Job, type V1alpha1TaskResponse } from '@kedge/api';
import { describe, expect, it } from 'vitest';
import { applyV1alpha1Response } from './apply-response.ts';

const T = '2030-01-01T00:00:00Z';
const T1 = '2030-01-01T00:00:05Z';

function job(entries: Record<string, unknown>[]): V1alpha1Job {
  return validateAs('NodeUpgradeJob', {
    apiVersion: 'operations.kubeedge.io/v1alpha2',
    kind: 'NodeUpgradeJob',
    metadata: { name: 'u', uid: 'uid-1' },
    spec: { version: 'v1.1.0', nodeNames: entries.map((e) => e['nodeName']) },
    status: {
      phase: 'InProgress',
      state: 'Upgrading',
      event: 'Backup',
      action: 'Success',
      time: T,
      nodeStatus: entries,
    },
  });
}

const answer = (o: Partial<V1alpha1TaskResponse>): V1alpha1TaskResponse => ({
  NodeName: 'a',
  State: 'Upgrading',
  Event: 'Upgrade',
  Action: 'Success',
  Reason: '',
  Time: T1,
  jobUid: 'uid-1',
  ...o,
});

const sent = { nodeName: 'a', phase: 'InProgress', state: 'Upgrading', startTime: T, dispatchedBy: 'cc-1' };

describe('applyV1alpha1Response', () => {
  it('moves the node by the state machine and records event, action, time and the versions', () => {
    const out = applyV1alpha1Response(job([sent]), 'a', answer({ Extend: 'v1.0.0,v1.1.0' }));
    if (out.kind !== 'recorded') throw new Error(out.kind);
    expect(out.state).toBe('Successful');
    expect(out.job.status?.nodeStatus).toEqual([
      {
        nodeName: 'a',
        phase: 'Successful',
        state: 'Successful',
        event: 'Upgrade',
        action: 'Success',
        time: T1,
        historicVersion: 'v1.0.0',
        currentVersion: 'v1.1.0',
      },
    ]);
    // ... and on the job, where KubeEdge's v1alpha1 keeps them.
    expect(out.job.status).toMatchObject({ historicVersion: 'v1.0.0', currentVersion: 'v1.1.0' });
  });

  it('keeps the reason of a failure, and adds the rollback that follows it', () => {
    const failed = applyV1alpha1Response(
      job([sent]),
      'a',
      answer({ Action: 'Failure', Reason: 'v1.1.0 exited 3 times' }),
    );
    if (failed.kind !== 'recorded') throw new Error(failed.kind);
    expect(failed.job.status?.nodeStatus?.[0]).toMatchObject({
      state: 'Failed',
      phase: 'Failure',
      reason: 'v1.1.0 exited 3 times',
    });
    const rolled = applyV1alpha1Response(
      failed.job,
      'a',
      answer({ Event: 'Rollback', Time: '2030-01-01T00:00:09Z' }),
    );
    if (rolled.kind !== 'recorded') throw new Error(rolled.kind);
    expect(rolled.job.status?.nodeStatus?.[0]).toMatchObject({
      state: 'Failed',
      event: 'Rollback',
      action: 'Success',
      reason: 'v1.1.0 exited 3 times; rolled back',
    });
  });

  it('ignores a re-sent answer, refuses one for another stage, and one for an older job', () => {
    const once = applyV1alpha1Response(job([sent]), 'a', answer({}));
    if (once.kind !== 'recorded') throw new Error(once.kind);
    expect(applyV1alpha1Response(once.job, 'a', answer({}))).toEqual({ kind: 'duplicate' });
    expect(applyV1alpha1Response(job([sent]), 'a', answer({ State: 'Checking', Event: 'Check' }))).toEqual({
      kind: 'rejected',
      why: 'a answered for Checking but is in Upgrading',
    });
    expect(applyV1alpha1Response(job([sent]), 'a', answer({ Event: 'Pull' }))).toEqual({
      kind: 'rejected',
      why: 'no transition Upgrading/Pull/Success',
    });
    expect(applyV1alpha1Response(job([sent]), 'a', answer({ jobUid: 'old' }))).toMatchObject({
      kind: 'stale',
    });
    expect(applyV1alpha1Response(job([sent]), 'zz', answer({}))).toMatchObject({ kind: 'stale' });
  });
});
