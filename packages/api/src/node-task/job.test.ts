import { describe, expect, it } from 'vitest';
import type { ResourceOf } from '../kinds.ts';
import { withFinalizerAndDefaults, withoutFinalizer } from './job-defaults.ts';
import { effectiveRollout, jobKey, parseJobKey } from './job.ts';

const upgrade: ResourceOf<'NodeUpgradeJob'> = {
  apiVersion: 'operations.kubeedge.io/v1alpha2',
  kind: 'NodeUpgradeJob',
  metadata: { name: 'up' },
  spec: { version: 'v1.21.0', nodeNames: ['a'], concurrency: 5 },
};

const prepull: ResourceOf<'ImagePrePullJob'> = {
  apiVersion: 'operations.kubeedge.io/v1alpha2',
  kind: 'ImagePrePullJob',
  metadata: { name: 'pp', finalizers: ['other'] },
  spec: { imagePrePullTemplate: { images: ['nginx'], nodeNames: ['a'] } },
};

describe('withFinalizerAndDefaults', () => {
  it('adds the finalizer and only the missing defaults, keeping what the user set', () => {
    const next = withFinalizerAndDefaults(upgrade);
    expect(next?.metadata.finalizers).toEqual(['kubeedge.io/nodeupgradejob-controller']);
    expect(next?.spec).toEqual({
      version: 'v1.21.0',
      nodeNames: ['a'],
      concurrency: 5,
      failureTolerate: '0.1',
      timeoutSeconds: 300,
    });
    expect(next && withFinalizerAndDefaults(next)).toBeUndefined();
  });

  it('writes ImagePrePullJob defaults inside spec.imagePrePullTemplate', () => {
    const next = withFinalizerAndDefaults(prepull);
    expect(next?.metadata.finalizers).toEqual(['other', 'kubeedge.io/imageprepulljob-controller']);
    expect(next?.spec.imagePrePullTemplate).toMatchObject({
      failureTolerate: '0.1',
      timeoutSeconds: 300,
      concurrency: 1,
    });
    expect(next && withoutFinalizer(next)?.metadata.finalizers).toEqual(['other']);
    expect(withoutFinalizer(prepull)).toBeUndefined();
  });
});

describe('job keys', () => {
  it('round-trip and reject other kinds', () => {
    expect(parseJobKey(jobKey('ConfigUpdateJob', 'c1'))).toEqual({ kind: 'ConfigUpdateJob', name: 'c1' });
    expect(parseJobKey('Node/x')).toBeUndefined();
    expect(parseJobKey('nonsense')).toBeUndefined();
  });
});

describe('effectiveRollout', () => {
  it('reads the rollout where each kind keeps it and fills the documented defaults', () => {
    expect(effectiveRollout(upgrade)).toEqual({
      concurrency: 5,
      failureTolerate: '0.1',
      timeoutSeconds: 300,
    });
    const pinned: ResourceOf<'ImagePrePullJob'> = {
      ...prepull,
      spec: {
        imagePrePullTemplate: {
          images: ['nginx'],
          concurrency: 0,
          failureTolerate: '0.5',
          timeoutSeconds: 9,
        },
      },
    };
    expect(effectiveRollout(pinned)).toEqual({ concurrency: 1, failureTolerate: '0.5', timeoutSeconds: 9 });
  });
});
