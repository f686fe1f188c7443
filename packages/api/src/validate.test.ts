import { describe, expect, it } from 'vitest';
import { formatPath } from './field-path.ts';
import { validateResource } from './validate.ts';

describe('validateResource', () => {
  it('names the object and every bad field in one error', () => {
    const obj = {
      apiVersion: 'operations.kubeedge.io/v1alpha2',
      kind: 'NodeUpgradeJob',
      metadata: { name: 'bad-job' },
      spec: { version: 'latest', nodeNames: ['edge-1'], concurrency: -1 },
    };
    expect(() => validateResource(obj, 'jobs.yaml')).toThrow(
      expect.objectContaining({
        code: 'KEDGE_RESOURCE_INVALID',
        message: expect.stringMatching(/^invalid NodeUpgradeJob "bad-job" in jobs\.yaml: spec\.version: .*; spec\.concurrency: /),
        context: expect.objectContaining({ resource: 'NodeUpgradeJob/bad-job' }),
      }),
    );
  });

  it('tells an unknown kind apart from an invalid object', () => {
    expect(() => validateResource({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' } })).toThrow(
      expect.objectContaining({ code: 'KEDGE_RESOURCE_UNKNOWN_KIND' }),
    );
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
