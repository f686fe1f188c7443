import { describe, expect, it } from 'vitest';
import { formatPath } from './field-path.ts';
import { hasCode } from './errors.ts';
import { validateResource } from './validate.ts';

describe('validateResource', () => {
  it('names the object and every bad field in one error', () => {
    const obj = {
      apiVersion: 'operations.kubeedge.io/v1alpha2',
      kind: 'NodeUpgradeJob',
      metadata: { name: 'bad-job' },
      spec: { version: 'latest', nodeNames: ['edge-1'], concurrency: -1 },
    };
    let thrown: unknown;
    try {
      validateResource(obj, 'jobs.yaml');
    } catch (err: unknown) {
      thrown = err;
    }
    if (!hasCode(thrown, 'KEDGE_RESOURCE_INVALID')) throw new Error('expected KEDGE_RESOURCE_INVALID');
    expect(thrown.message).toMatch(
      /^invalid NodeUpgradeJob "bad-job" in jobs\.yaml: spec\.version: .*; spec\.concurrency: /,
    );
    expect(thrown.context.resource).toBe('NodeUpgradeJob/bad-job');
    expect(thrown.context.fields).toEqual([
      'spec.version: must look like v1.21.0 (v<major>.<minor>.<patch>[-suffix])',
      'spec.concurrency: must be at least 1',
    ]);
  });

  it('tells an unknown kind apart from an invalid object', () => {
    expect(() =>
      validateResource({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'p' } }),
    ).toThrow(expect.objectContaining({ code: 'KEDGE_RESOURCE_UNKNOWN_KIND' }));
  });
});

describe('formatPath', () => {
  it('writes names with dots, indexes in brackets and odd keys quoted', () => {
    expect(formatPath(['spec', 'nodeNames', 1])).toBe('spec.nodeNames[1]');
    expect(formatPath(['metadata', 'labels', 'node-role.kubernetes.io/edge'])).toBe(
      'metadata.labels["node-role.kubernetes.io/edge"]',
    );
  });
});
