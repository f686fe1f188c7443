import { describe, expect, it } from 'vitest';
import { hasCode } from '../errors.ts';
import { validateAs } from '../validate.ts';

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

  it('refuses a path edgecore.yaml does not have, naming it', () => {
    expect(
      problems(
        configJob({
          updateFields: { 'modules.nope': 'x', 'modules.edgeHub.heartbeet': '5' },
          nodeNames: ['e'],
        }),
      ),
    ).toEqual([
      'spec.updateFields["modules.nope"]: unknown field modules.nope',
      'spec.updateFields["modules.edgeHub.heartbeet"]: unknown field modules.edgeHub.heartbeet',
    ]);
  });

  it('refuses a value that does not fit its field, naming the expected type', () => {
    expect(
      problems(
        configJob({
          updateFields: {
            'modules.edgeStream.enable': 'yes',
            'modules.edgeHub.messageBurst': '1.5',
            'modules.edgeHub.heartbeat': '0',
            'modules.metaManager.metaServer.server': 'no-port',
            'modules.edged.tailoredKubeletConfig.clusterDNS': '["", "1.1.1.1"]',
            'modules.edgeHub': '{enable:true}',
          },
          nodeNames: ['e'],
        }),
      ),
    ).toEqual([
      'spec.updateFields["modules.edgeStream.enable"]: expected true or false, got "yes"',
      'spec.updateFields["modules.edgeHub.messageBurst"]: expected integer, got "1.5"',
      'spec.updateFields["modules.edgeHub.heartbeat"]: must be > 0, got 0',
      'spec.updateFields["modules.metaManager.metaServer.server"]: expected host:port, got "no-port"',
      'spec.updateFields["modules.edged.tailoredKubeletConfig.clusterDNS"]: at [0]: must not be empty',
      'spec.updateFields["modules.edgeHub"]: is a section; set its fields one at a time (e.g. modules.edgeHub.enable)',
    ]);
  });

  it('accepts values of every field type, map keys with dots and list items', () => {
    expect(
      problems(
        configJob({
          updateFields: {
            'modules.edgeStream.enable': 'TRUE',
            'modules.edgeHub.heartbeat': '2.5',
            'modules.edgeHub.messageBurst': '100',
            'modules.edgeHub.websocket.server': 'wss://cloud.example:10000',
            'modules.edged.nodeLabels.zone': 'a',
            'modules.edged.nodeLabels': '{x:y, z:w}',
            'modules.edged.tailoredKubeletConfig.clusterDNS[1]': '10.96.0.11',
          },
          nodeNames: ['e'],
        }),
      ),
    ).toEqual([]);
  });
});
