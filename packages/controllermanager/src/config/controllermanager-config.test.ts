import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { hasCode, type KedgeError } from '@kedge/api';
import {
  defaultControllerManagerConfig,
  loadControllerManagerConfig,
  parseFeatureGates,
  renderControllerManagerConfig,
} from './index.ts';

function loadError(fn: () => unknown): KedgeError {
  try {
    fn();
  } catch (err: unknown) {
    return err as KedgeError;
  }
  throw new Error('expected an error');
}

describe('loadControllerManagerConfig', () => {
  it('is valid with defaults alone and honours KEDGE_STORE_PATH', () => {
    expect(loadControllerManagerConfig({ env: {} })).toEqual(defaultControllerManagerConfig());
    expect(loadControllerManagerConfig({ env: { KEDGE_STORE_PATH: '/tmp/x.db' } }).store.sqlite.path).toBe(
      '/tmp/x.db',
    );
  });

  it('reports every problem, including periods that contradict each other', () => {
    const text = [
      'nodeLifecycle: { gracePeriod: 5, monitorPeriod: 10 }',
      'leaderElection: { leaseDuration: 10, renewDeadline: 10, retryPeriod: 12 }',
      'health: { port: -1, extra: 1 }',
    ].join('\n');
    const err = loadError(() => loadControllerManagerConfig({ text, file: 'cm.yaml', env: {} }));
    expect(hasCode(err, 'KEDGE_CONFIG_INVALID')).toBe(true);
    expect(err.context).toMatchObject({ file: 'cm.yaml' });
    expect(err.context.fields).toEqual([
      'nodeLifecycle.monitorPeriod: must be < gracePeriod (5), got 10 (line 1)',
      'leaderElection.renewDeadline: must be < leaseDuration (10), got 10 (line 2)',
      'leaderElection.retryPeriod: must be < renewDeadline (10), got 12 (line 2)',
      'health.port: must be >= 0, got -1 (line 3)',
      'health.extra: unknown field (line 3)',
    ]);
  });

  it('takes feature gates from the flag over the file', () => {
    const config = loadControllerManagerConfig({
      text: 'featureGates: { disableNodeTaskV1alpha2: false }\n',
      env: {},
      overrides: { featureGates: parseFeatureGates('disableNodeTaskV1alpha2') },
    });
    expect(config.featureGates.disableNodeTaskV1alpha2).toBe(true);
  });

  it('round-trips through its rendered YAML and keeps configs/controllermanager.yaml current', () => {
    const original = defaultControllerManagerConfig();
    original.leaderElection = {
      enable: true,
      leaseDuration: 30,
      renewDeadline: 20,
      retryPeriod: 4,
      resourceNamespace: 'kube-system',
      resourceName: 'my-lease',
    };
    original.health.port = 10257;
    expect(loadControllerManagerConfig({ text: renderControllerManagerConfig(original), env: {} })).toEqual(
      original,
    );
    const reference = readFileSync(
      new URL('../../../../configs/controllermanager.yaml', import.meta.url),
      'utf8',
    );
    expect(reference).toBe(renderControllerManagerConfig(defaultControllerManagerConfig()));
  });
});

describe('parseFeatureGates', () => {
  it('reads a bare name as true and name=value as that value', () => {
    expect(parseFeatureGates('disableNodeTaskV1alpha2')).toEqual({ disableNodeTaskV1alpha2: true });
    expect(parseFeatureGates('disableNodeTaskV1alpha2=false')).toEqual({ disableNodeTaskV1alpha2: false });
    expect(parseFeatureGates(' disableNodeTaskV1alpha2 = TRUE , ')).toEqual({
      disableNodeTaskV1alpha2: true,
    });
    expect(parseFeatureGates('')).toEqual({});
  });

  it('names every unknown gate and bad value', () => {
    const err = loadError(() =>
      parseFeatureGates('fancyThing=true,disablenodetaskv1alpha2,disableNodeTaskV1alpha2=maybe'),
    );
    expect(hasCode(err, 'KEDGE_CONFIG_INVALID')).toBe(true);
    expect(err.message.split('\n')[0]).toBe('--feature-gates: invalid config (3 problems):');
    expect(err.context.fields).toEqual([
      'fancyThing: unknown feature gate (known: disableNodeTaskV1alpha2)',
      'disablenodetaskv1alpha2: unknown feature gate (did you mean "disableNodeTaskV1alpha2"?)',
      'disableNodeTaskV1alpha2: expected true or false, got "maybe"',
    ]);
  });
});
