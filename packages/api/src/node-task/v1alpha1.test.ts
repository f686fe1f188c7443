import { describe, expect, it } from 'vitest';
import {
  parseV1alpha1ReportResource,
  parseV1alpha1TaskResource,
  v1alpha1ReportResource,
  v1alpha1TaskResource,
  v1alpha1Transition,
} from './v1alpha1.ts';
import { v1alpha1Entries, v1alpha1JobState, withV1alpha1Status } from './v1alpha1-status.ts';
import { validateAs } from '../validate.ts';

describe('the v1alpha1 state machine', () => {
  it.each([
    ['upgrade', 'Init/Init/Success', 'Checking'],
    ['upgrade', 'Checking/Check/Success', 'BackingUp'],
    ['upgrade', 'BackingUp/Backup/Success', 'Upgrading'],
    ['upgrade', 'Upgrading/Upgrade/Success', 'Successful'],
    ['upgrade', 'Checking/Check/Failure', 'Failed'],
    ['upgrade', 'Upgrading/Upgrade/Failure', 'Failed'],
    ['upgrade', 'BackingUp/TimeOut/Failure', 'Failed'],
    ['upgrade', 'Upgrading/Rollback/Success', 'Failed'],
    ['prepull', 'Checking/Check/Success', 'Pulling'],
    ['prepull', 'Pulling/Pull/Success', 'Successful'],
    ['prepull', 'Pulling/Pull/Failure', 'Failed'],
  ] as const)('%s %s -> %s', (type, key, to) => {
    const [state = '', event = '', action = ''] = key.split('/');
    expect(v1alpha1Transition(type, state, event, action)).toBe(to);
  });

  it('has no transition for an event of another stage or type', () => {
    expect(v1alpha1Transition('upgrade', 'Checking', 'Backup', 'Success')).toBeUndefined();
    expect(v1alpha1Transition('prepull', 'Checking', 'Upgrade', 'Success')).toBeUndefined();
    expect(v1alpha1Transition('upgrade', 'Successful', 'Upgrade', 'Success')).toBeUndefined();
  });
});

describe('v1alpha1 wire resources', () => {
  it('formats and parses both directions', () => {
    expect(v1alpha1TaskResource('upgrade', 'job-1', 'edge-1')).toBe('upgrade/job-1/node/edge-1');
    expect(parseV1alpha1TaskResource('prepull/j/node/n')).toEqual({ type: 'prepull', job: 'j', node: 'n' });
    expect(parseV1alpha1TaskResource('task/j/node/n')).toBeUndefined();
    expect(
      parseV1alpha1TaskResource('operations.kubeedge.io/v1alpha2/nodeupgradejob/j/node/n'),
    ).toBeUndefined();
    expect(v1alpha1ReportResource('j', 'n')).toBe('task/j/node/n');
    expect(parseV1alpha1ReportResource('task/j/node/n')).toEqual({ job: 'j', node: 'n' });
    expect(parseV1alpha1ReportResource('task/j/nodes/n')).toBeUndefined();
  });
});

describe('the v1alpha1 status lens', () => {
  const T = '2030-01-01T00:00:00Z';

  it('writes NodeUpgradeJob entries under nodeStatus with a phase, keeping versions', () => {
    const base = validateAs('NodeUpgradeJob', {
      apiVersion: 'operations.kubeedge.io/v1alpha2',
      kind: 'NodeUpgradeJob',
      metadata: { name: 'u' },
      spec: { version: 'v1.1.0', nodeNames: ['a', 'b'] },
      status: {
        phase: 'InProgress',
        nodeStatus: [{ nodeName: 'a', phase: 'Successful', currentVersion: 'v1.1.0' }],
      },
    });
    const job = withV1alpha1Status(
      base,
      { phase: 'InProgress', state: 'BackingUp', event: 'Check', action: 'Success', time: T },
      [
        {
          nodeName: 'a',
          state: 'BackingUp',
          event: 'Check',
          action: 'Success',
          time: T,
          startTime: T,
          dispatchedBy: 'cc-1',
        },
        { nodeName: 'b', state: 'Failed', event: 'Check', action: 'Failure', reason: 'disk full', time: T },
      ],
    );
    expect(validateAs('NodeUpgradeJob', job).status).toEqual({
      phase: 'InProgress',
      state: 'BackingUp',
      event: 'Check',
      action: 'Success',
      time: T,
      progress: '1/2 done, 1 failed',
      nodeStatus: [
        {
          nodeName: 'a',
          phase: 'InProgress',
          state: 'BackingUp',
          event: 'Check',
          action: 'Success',
          time: T,
          startTime: T,
          dispatchedBy: 'cc-1',
          currentVersion: 'v1.1.0',
        },
        {
          nodeName: 'b',
          phase: 'Failure',
          state: 'Failed',
          event: 'Check',
          action: 'Failure',
          reason: 'disk full',
          time: T,
        },
      ],
    });
    expect(v1alpha1JobState(job)?.state).toBe('BackingUp');
    expect(v1alpha1Entries(job).map((e) => [e.nodeName, e.state])).toEqual([
      ['a', 'BackingUp'],
      ['b', 'Failed'],
    ]);
  });

  it('never shows a node in a stage as Pending, sent or not (no phase that contradicts state)', () => {
    const base = validateAs('NodeUpgradeJob', {
      apiVersion: 'operations.kubeedge.io/v1alpha2',
      kind: 'NodeUpgradeJob',
      metadata: { name: 'u' },
      spec: { version: 'v1.1.0', nodeNames: ['a', 'b'] },
    });
    const job = withV1alpha1Status(
      base,
      { phase: 'InProgress', state: 'Checking', event: 'Init', action: 'Success', time: T },
      [
        { nodeName: 'a', state: 'Checking', event: 'Init', action: 'Success', time: T },
        { nodeName: 'b', state: 'Init' },
      ],
    );
    expect(job.status?.nodeStatus?.map((e) => [e.nodeName, e.state, e.phase])).toEqual([
      ['a', 'Checking', 'InProgress'],
      ['b', 'Init', 'Pending'],
    ]);
  });

  it('writes ImagePrePullJob entries under status[].nodeStatus, keeping image statuses', () => {
    const base = validateAs('ImagePrePullJob', {
      apiVersion: 'operations.kubeedge.io/v1alpha2',
      kind: 'ImagePrePullJob',
      metadata: { name: 'p' },
      spec: { imagePrePullTemplate: { images: ['busybox'], nodeNames: ['a'] } },
      status: {
        phase: 'InProgress',
        status: [{ nodeStatus: { nodeName: 'a' }, imageStatus: [{ image: 'busybox', state: 'Successful' }] }],
      },
    });
    const job = withV1alpha1Status(
      base,
      { phase: 'Completed', state: 'Successful', event: 'Pull', action: 'Success', time: T },
      [{ nodeName: 'a', state: 'Successful', event: 'Pull', action: 'Success', time: T }],
    );
    const checked = validateAs('ImagePrePullJob', job);
    expect(checked.status?.status).toEqual([
      {
        nodeStatus: { nodeName: 'a', state: 'Successful', event: 'Pull', action: 'Success', time: T },
        imageStatus: [{ image: 'busybox', state: 'Successful' }],
      },
    ]);
    expect(checked.status?.progress).toBe('1/1 done, 0 failed');
    expect(v1alpha1Entries(checked)).toEqual([
      { nodeName: 'a', state: 'Successful', event: 'Pull', action: 'Success', time: T },
    ]);
  });

  it('says a node that timed out is Unknown, as v1alpha2 would', () => {
    const base = validateAs('NodeUpgradeJob', {
      apiVersion: 'operations.kubeedge.io/v1alpha2',
      kind: 'NodeUpgradeJob',
      metadata: { name: 'u' },
      spec: { version: 'v1.1.0', nodeNames: ['a'] },
    });
    const job = withV1alpha1Status(base, { phase: 'Failure', state: 'Failed', time: T }, [
      { nodeName: 'a', state: 'Failed', event: 'TimeOut', action: 'Failure', reason: 'timed out', time: T },
    ]);
    expect(job.status?.nodeStatus?.[0]?.phase).toBe('Unknown');
  });
});
