import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hasCode, type KedgeError } from '@kedge/api';
import {
  defaultCloudCoreConfig,
  loadCloudCoreConfig,
  renderCloudCoreConfig,
  type CloudCoreConfig,
} from './index.ts';

const dir = mkdtempSync(join(tmpdir(), 'kedge-cloudcore-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function loadError(fn: () => unknown): KedgeError {
  try {
    fn();
  } catch (err: unknown) {
    return err as KedgeError;
  }
  throw new Error('expected an error');
}

describe('loadCloudCoreConfig', () => {
  it('is valid with defaults alone', () => {
    expect(loadCloudCoreConfig({ env: {} })).toEqual(defaultCloudCoreConfig());
  });

  it('reports every problem at once with its path and line', () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(
      file,
      [
        'kind: EdgeCore',
        'store:',
        '  backend: etcd',
        'featureGates:',
        '  disableNodeTaskV1alpha2: "yes"',
        '  somethingElse: true',
        'modules:',
        '  cloudHub:',
        '    advertiseAddress: [10.0.0.1, not-an-ip]',
        '    nodeLimit: 0',
        '    websocket: { port: 70000 }',
        "    tls: { enable: true, caKeyFile: '', certFile: /c.pem }",
      ].join('\n'),
    );
    const err = loadError(() => loadCloudCoreConfig({ file, env: {} }));
    expect(hasCode(err, 'KEDGE_CONFIG_INVALID')).toBe(true);
    expect(err.message.split('\n')[0]).toBe(`${file}: invalid config (8 problems):`);
    expect(err.context.fields).toEqual([
      'kind: expected "CloudCore", got "EdgeCore" (line 1)',
      'store.backend: expected one of "sqlite", "kubernetes", got "etcd" (line 3)',
      'featureGates.disableNodeTaskV1alpha2: expected boolean, got string (line 5)',
      'featureGates.somethingElse: unknown field (line 6)',
      'modules.cloudHub.advertiseAddress[1]: expected an IP address, got "not-an-ip" (line 9)',
      'modules.cloudHub.nodeLimit: must be > 0, got 0 (line 10)',
      'modules.cloudHub.websocket.port: must be <= 65535, got 70000 (line 11)',
      'modules.cloudHub.tls.keyFile: required when tls is enabled without caKeyFile',
    ]);
  });

  it('applies KEDGE_STORE_PATH and KEDGE_CLOUDHUB_PORT over the file', () => {
    const config = loadCloudCoreConfig({
      text: 'store: { sqlite: { path: /from/file.db } }\n',
      env: { KEDGE_STORE_PATH: '/from/env.db', KEDGE_CLOUDHUB_PORT: '20000' },
    });
    expect(config.store.sqlite.path).toBe('/from/env.db');
    expect(config.modules.cloudHub.websocket.port).toBe(20000);
  });

  it('names the env var when its value does not fit', () => {
    const err = loadError(() => loadCloudCoreConfig({ env: { KEDGE_CLOUDHUB_PORT: 'ten' } }));
    expect(err.context.fields).toEqual([
      'modules.cloudHub.websocket.port: expected number, got string (from KEDGE_CLOUDHUB_PORT)',
    ]);
  });

  it('lets overrides (flags) win over env vars', () => {
    const config = loadCloudCoreConfig({
      env: { KEDGE_CLOUDHUB_PORT: '20000' },
      overrides: { modules: { cloudHub: { websocket: { port: 0 } } } },
    });
    expect(config.modules.cloudHub.websocket.port).toBe(0);
  });

  it('checks the store section across fields', () => {
    const err = loadError(() =>
      loadCloudCoreConfig({
        env: {},
        overrides: { store: { sqlite: { path: '' }, kubernetes: { inCluster: true, kubeconfig: '/k' } } },
      }),
    );
    expect(err.context.fields).toEqual([
      'store.sqlite.path: required when backend is sqlite',
      'store.kubernetes.kubeconfig: must be empty when inCluster is true',
    ]);
  });

  it('returns a deeply frozen object', () => {
    const config = loadCloudCoreConfig({ env: {} });
    expect(Object.isFrozen(config.modules.cloudHub.advertiseAddress)).toBe(true);
    expect(Object.isFrozen(config.store.sqlite)).toBe(true);
  });

  it('round-trips through its rendered YAML', () => {
    const original: CloudCoreConfig = defaultCloudCoreConfig();
    original.modules.cloudHub.advertiseAddress = ['10.0.0.1', '::1'];
    original.featureGates.disableNodeTaskV1alpha2 = true;
    original.store = {
      backend: 'kubernetes',
      sqlite: { path: '', eventTTL: 3600 },
      kubernetes: { kubeconfig: '/etc/kube.conf', inCluster: false },
    };
    expect(loadCloudCoreConfig({ text: renderCloudCoreConfig(original), env: {} })).toEqual(original);
  });

  it('keeps configs/cloudcore.yaml equal to the rendered defaults', () => {
    const reference = readFileSync(new URL('../../../../configs/cloudcore.yaml', import.meta.url), 'utf8');
    expect(reference).toBe(renderCloudCoreConfig(defaultCloudCoreConfig()));
  });
});
