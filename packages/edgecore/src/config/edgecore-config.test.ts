import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hasCode, type KedgeError } from '@kedge/api';
import {
  defaultEdgeCoreConfig,
  loadEdgeCoreConfig,
  renderEdgeCoreConfig,
  type EdgeCoreConfig,
} from './index.ts';

const dir = mkdtempSync(join(tmpdir(), 'kedge-edgecore-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const NODE_ENV = { KEDGE_NODE_NAME: 'edge-1', KEDGE_EDGE_TOKEN: 'secret-token' };

function writeConfig(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

function loadError(fn: () => unknown): KedgeError {
  try {
    fn();
  } catch (err: unknown) {
    return err as KedgeError;
  }
  throw new Error('expected an error');
}

describe('loadEdgeCoreConfig', () => {
  it('fills every default under what the file sets', () => {
    const file = writeConfig(
      'partial.yaml',
      'modules:\n  edgeHub:\n    heartbeat: 5\n    token: file-token\n  edged:\n    hostnameOverride: edge-a\n',
    );
    const config = loadEdgeCoreConfig({ file, env: {} });
    const expected = defaultEdgeCoreConfig();
    expected.modules.edgeHub.heartbeat = 5;
    expected.modules.edgeHub.token = 'file-token';
    expected.modules.edged.hostnameOverride = 'edge-a';
    expect(config).toEqual(expected);
  });

  it('reports every problem at once, each as `path: problem` with its file line', () => {
    const text = [
      'apiVersion: edgecore.config.kubeedge.io/v1alpha2',
      'kind: EdgeCore',
      'modules:',
      '  edgeHub:',
      '    heartbeat: fast',
      '    foo: 1',
      '    websocket:',
      '      server: "no port here"',
      '  edged:',
      '    hostnameOverride: Edge_1',
      '    nodeLabels:',
      '      zone: 5',
      '  bogus: {}',
    ].join('\n');
    const file = writeConfig('bad.yaml', text);
    const err = loadError(() => loadEdgeCoreConfig({ file, env: { KEDGE_EDGE_TOKEN: 't' } }));
    expect(hasCode(err, 'KEDGE_CONFIG_INVALID')).toBe(true);
    expect(err.context.file).toBe(file);
    expect(err.context.fields).toEqual([
      'modules.edgeHub.heartbeat: expected number, got string (line 5)',
      'modules.edgeHub.foo: unknown field (line 6)',
      'modules.edgeHub.websocket.server: expected host:port or a ws:// or wss:// URL, got "no port here" (line 8)',
      'modules.edged.hostnameOverride: must be a lower-case RFC 1123 name, got "Edge_1" (line 10)',
      'modules.edged.nodeLabels.zone: expected string, got number (line 12)',
      'modules.bogus: unknown field (line 13)',
    ]);
    const lines = err.message.split('\n');
    expect(lines[0]).toBe(`${file}: invalid config (6 problems):`);
    expect(lines.slice(1)).toEqual(err.context.fields);
  });

  it('rejects unknown keys at every level, including the top', () => {
    const err = loadError(() =>
      loadEdgeCoreConfig({
        text: 'extra: 1\nmodules:\n  edgeHub:\n    reconnect: { jitter: 2 }\n',
        file: 'e.yaml',
        env: NODE_ENV,
      }),
    );
    // In file order.
    expect(err.context.fields).toEqual([
      'extra: unknown field (line 1)',
      'modules.edgeHub.reconnect.jitter: unknown field (line 4)',
    ]);
  });

  it('names the required node name and token when they are missing', () => {
    const err = loadError(() => loadEdgeCoreConfig({ env: {} }));
    expect(err.message.split('\n')[0]).toBe('edgecore config: invalid config (2 problems):');
    expect(err.context.fields).toEqual([
      'modules.edgeHub.token: required when edgeHub is enabled (or set $KEDGE_EDGE_TOKEN)',
      'modules.edged.hostnameOverride: required: the node name (or set $KEDGE_NODE_NAME)',
    ]);
  });

  it('checks fields against each other', () => {
    const err = loadError(() =>
      loadEdgeCoreConfig({
        env: NODE_ENV,
        overrides: {
          modules: {
            edgeHub: {
              reconnect: { initialDelay: 60, maxDelay: 30 },
              httpServer: '',
              tlsCertFile: '/c.pem',
              tlsPrivateKeyFile: '',
              websocket: { enable: false },
            },
          },
        },
      }),
    );
    expect(err.context.fields).toEqual([
      'modules.edgeHub.reconnect.maxDelay: must be >= initialDelay (60)',
      'modules.edgeHub.websocket.enable: must be true when edgeHub is enabled',
      'modules.edgeHub.tlsPrivateKeyFile: required when tlsCertFile is set',
    ]);
  });

  it('applies env vars over the file and overrides over env vars', () => {
    const file = writeConfig(
      'env.yaml',
      'modules:\n  edgeHub:\n    token: from-file\n    websocket: { server: "10.0.0.1:10000" }\n  edged: { hostnameOverride: file-node }\n',
    );
    const env = {
      KEDGE_NODE_NAME: 'env-node',
      KEDGE_EDGE_TOKEN: 'env-token',
      KEDGE_CLOUD_SERVER: 'wss://cloud.example:443',
    };
    const config = loadEdgeCoreConfig({ file, env });
    expect(config.modules.edged.hostnameOverride).toBe('env-node');
    expect(config.modules.edgeHub.token).toBe('env-token');
    expect(config.modules.edgeHub.websocket.server).toBe('wss://cloud.example:443');

    const flagged = loadEdgeCoreConfig({
      file,
      env,
      overrides: { modules: { edged: { hostnameOverride: 'flag-node' } } },
    });
    expect(flagged.modules.edged.hostnameOverride).toBe('flag-node');
    expect(flagged.modules.edgeHub.token).toBe('env-token');
  });

  it('ignores empty env vars and names the env var when its value is bad', () => {
    const config = loadEdgeCoreConfig({
      text: 'modules: { edged: { hostnameOverride: n1 }, edgeHub: { token: t } }',
      env: { KEDGE_NODE_NAME: '' },
    });
    expect(config.modules.edged.hostnameOverride).toBe('n1');
    const err = loadError(() => loadEdgeCoreConfig({ env: { ...NODE_ENV, KEDGE_CLOUD_SERVER: 'cloud' } }));
    expect(err.context.fields).toEqual([
      'modules.edgeHub.websocket.server: expected host:port or a ws:// or wss:// URL, got "cloud" (from KEDGE_CLOUD_SERVER)',
    ]);
  });

  it('returns a deeply frozen object', () => {
    const config = loadEdgeCoreConfig({ env: NODE_ENV });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.modules.edgeHub.reconnect)).toBe(true);
    expect(Object.isFrozen(config.modules.edged.tailoredKubeletConfig.clusterDNS)).toBe(true);
    expect(() => {
      (config.modules.edgeHub as { heartbeat: number }).heartbeat = 1;
    }).toThrow(TypeError);
  });

  it('round-trips: rendering a config and loading it gives the same object', () => {
    const original: EdgeCoreConfig = defaultEdgeCoreConfig();
    original.modules.edged.hostnameOverride = 'edge-9';
    original.modules.edgeHub.token = 'abc.def';
    original.modules.edged.nodeLabels = { 'example.com/zone': 'east', tier: '' };
    original.modules.edged.tailoredKubeletConfig.clusterDNS = ['10.96.0.10'];
    const file = writeConfig('roundtrip.yaml', renderEdgeCoreConfig(original));
    expect(loadEdgeCoreConfig({ file, env: {} })).toEqual(original);
  });

  it('round-trips the defaults once the node name and token come from env', () => {
    const file = writeConfig('defaults.yaml', renderEdgeCoreConfig(defaultEdgeCoreConfig()));
    const expected = defaultEdgeCoreConfig();
    expected.modules.edged.hostnameOverride = 'edge-1';
    expected.modules.edgeHub.token = 'secret-token';
    expect(loadEdgeCoreConfig({ file, env: NODE_ENV })).toEqual(expected);
  });

  it('keeps configs/edgecore.yaml equal to the rendered defaults', () => {
    const reference = readFileSync(new URL('../../../../configs/edgecore.yaml', import.meta.url), 'utf8');
    expect(reference).toBe(renderEdgeCoreConfig(defaultEdgeCoreConfig()));
  });

  it('names the file and line of a YAML syntax error', () => {
    const file = writeConfig('syntax.yaml', 'modules:\n  edgeHub:\n    heartbeat: 15\n   token: [oops\n');
    const err = loadError(() => loadEdgeCoreConfig({ file, env: NODE_ENV }));
    expect(hasCode(err, 'KEDGE_CONFIG_UNREADABLE')).toBe(true);
    expect(err.context.file).toBe(file);
    expect(err.context.line).toBe(4);
    expect(err.message).toMatch(new RegExp(`^${file}: invalid YAML\\n${file}:4:\\d+: `));
  });

  it('reports a duplicate key as unreadable YAML with its line', () => {
    const err = loadError(() =>
      loadEdgeCoreConfig({ text: 'database: {}\ndatabase: {}\n', file: 'dup.yaml', env: NODE_ENV }),
    );
    expect(hasCode(err, 'KEDGE_CONFIG_UNREADABLE')).toBe(true);
    expect(err.context.line).toBe(2);
  });

  it('names a file it cannot read', () => {
    const file = join(dir, 'missing.yaml');
    const err = loadError(() => loadEdgeCoreConfig({ file, env: NODE_ENV }));
    expect(hasCode(err, 'KEDGE_CONFIG_UNREADABLE')).toBe(true);
    expect(err.context.file).toBe(file);
    expect(err.message).toContain(file);
  });

  it('reports a file that is not a mapping', () => {
    const err = loadError(() => loadEdgeCoreConfig({ text: '- a\n- b\n', file: 'list.yaml', env: NODE_ENV }));
    expect(err.context.fields).toEqual(['(root): expected object, got array']);
  });

  it('ignores overrides left undefined (flags not given)', () => {
    const config = loadEdgeCoreConfig({
      text: 'modules: { edged: { hostnameOverride: from-file } }',
      env: { KEDGE_EDGE_TOKEN: 't' },
      overrides: { modules: { edged: { hostnameOverride: undefined }, edgeHub: { heartbeat: undefined } } },
    });
    expect(config.modules.edged.hostnameOverride).toBe('from-file');
    expect(config.modules.edgeHub.heartbeat).toBe(15);
    const err = loadError(() =>
      loadEdgeCoreConfig({ text: 'modules: 5', env: NODE_ENV, overrides: { modules: { edged: {} } } }),
    );
    expect(err.context.fields).toEqual(['modules: expected object, got number (line 1)']);
  });

  it('refuses a YAML alias that refers to itself instead of looping', () => {
    const err = loadError(() =>
      loadEdgeCoreConfig({ text: 'database: &a { x: *a }\n', file: 'loop.yaml', env: NODE_ENV }),
    );
    expect(hasCode(err, 'KEDGE_CONFIG_UNREADABLE')).toBe(true);
    expect(err.message).toContain('loop.yaml');
  });

  it('treats an empty file as all defaults', () => {
    const config = loadEdgeCoreConfig({ text: '', file: 'empty.yaml', env: NODE_ENV });
    expect(config.modules.edgeHub.heartbeat).toBe(15);
  });

  it('reads nothing but the file: loading a config never creates the database directory', () => {
    const dataSource = join(dir, 'not-created', 'edgecore.db');
    const config = loadEdgeCoreConfig({ env: NODE_ENV, overrides: { database: { dataSource } } });
    expect(config.database.dataSource).toBe(dataSource);
    expect(() => readFileSync(join(dir, 'not-created'))).toThrow(/ENOENT/);
  });
});
