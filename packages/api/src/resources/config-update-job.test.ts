import { describe, expect, it } from 'vitest';
import { hasCode } from '../errors.ts';
import { validateAs } from '../validate.ts';
import { checkUpdateFieldPaths } from './config-update-job.ts';

function configJob(spec: Record<string, unknown>): unknown {
  return {
    apiVersion: 'operations.kubeedge.io/v1alpha2',
    kind: 'ConfigUpdateJob',
    metadata: { name: 'configupdate-test' },
    spec,
  };
}

function problems(obj: unknown): string[] {
  try {
    validateAs('ConfigUpdateJob', obj);
    return [];
  } catch (err: unknown) {
    if (hasCode(err, 'KEDGE_RESOURCE_INVALID')) return err.context.fields ?? [];
    throw err;
  }
}

describe('ConfigUpdateJob validation', () => {
  it('accepts the release example', () => {
    const spec = {
      failureTolerate: '0.3',
      concurrency: 1,
      timeoutSeconds: 180,
      updateFields: { 'modules.edgeStream.enable': 'true' },
      labelSelector: {
        matchLabels: { 'node-role.kubernetes.io/edge': '', 'node-role.kubernetes.io/agent': '' },
      },
    };
    expect(validateAs('ConfigUpdateJob', configJob(spec)).spec).toEqual(spec);
  });

  it('requires at least one field', () => {
    expect(problems(configJob({ updateFields: {}, nodeNames: ['edge-1'] }))).toEqual([
      'spec.updateFields: must set at least one field',
    ]);
  });

  it('rejects the whole job for a malformed key, naming it', () => {
    const lines = problems(
      configJob({
        updateFields: { 'modules.edgeHub.heartbeat': '15', 'modules..x': '1', 'a[x]': '2' },
        nodeNames: ['e'],
      }),
    );
    expect(lines).toEqual([
      'spec.updateFields["modules..x"]: is not a config path like modules.edgeStream.enable or a.b[0].c',
      'spec.updateFields["a[x]"]: is not a config path like modules.edgeStream.enable or a.b[0].c',
    ]);
  });

  it('accepts indexed paths', () => {
    expect(
      problems(
        configJob({
          updateFields: { 'modules.edged.tailoredKubeletConfig.clusterDNS[0]': '10.96.0.10' },
          nodeNames: ['e'],
        }),
      ),
    ).toEqual([]);
  });

  it('wants string values, hinting at YAML quoting', () => {
    expect(
      problems(configJob({ updateFields: { 'modules.edgeStream.enable': true }, nodeNames: ['e'] })),
    ).toEqual([
      'spec.updateFields["modules.edgeStream.enable"]: must be a string (quote numbers and booleans in YAML)',
    ]);
  });

  it('has a hook for checking paths against the edgecore config schema', () => {
    const known = new Set(['modules.edgeStream.enable']);
    const lines = checkUpdateFieldPaths(
      { 'modules.edgeStream.enable': 'true', 'modules.nope': 'x' },
      (path) => (known.has(path) ? undefined : 'no such field in edgecore.yaml'),
    );
    expect(lines).toEqual(['spec.updateFields["modules.nope"]: no such field in edgecore.yaml']);
  });
});
