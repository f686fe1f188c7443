import { describe, expect, it } from 'vitest';
import { validateResource } from '../validate.ts';

const deployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web' },
  spec: { replicas: 1, template: { spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] } } },
};

function app(spec: Record<string, unknown>): Record<string, unknown> {
  return {
    apiVersion: 'apps.kubeedge.io/v1alpha1',
    kind: 'EdgeApplication',
    metadata: { name: 'web', namespace: 'shop' },
    spec,
  };
}

describe('EdgeApplication', () => {
  it('keeps manifests exactly as written and accepts every overrider', () => {
    const obj = app({
      workloadTemplate: {
        manifests: [deployment, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' } }],
      },
      workloadScope: {
        targetNodeGroups: [
          {
            name: 'beijing',
            overriders: {
              replicas: 3,
              imageOverriders: [{ component: 'Tag', operator: 'replace', value: '1.28' }],
              envOverriders: [
                { containerName: 'web', operator: 'add', value: [{ name: 'REGION', value: 'north' }] },
              ],
              commandOverriders: [{ containerName: 'web', operator: 'add', value: ['--verbose'] }],
              argsOverriders: [{ containerName: 'web', operator: 'remove', value: ['--debug'] }],
              resourcesOverriders: [
                {
                  containerName: 'web',
                  value: { limits: { cpu: '500m', memory: '256Mi' }, requests: { cpu: 0.1 } },
                },
              ],
            },
          },
        ],
        targetNodeLabels: [{ labelSelector: { matchLabels: { zone: 'a' } } }],
      },
    });
    const { object } = validateResource(obj);
    expect(object).toEqual(obj);
  });

  it('rejects a replace operator for command overriders and names the field', () => {
    const obj = app({
      workloadTemplate: { manifests: [deployment] },
      workloadScope: {
        targetNodeGroups: [
          { name: 'g', overriders: { commandOverriders: [{ containerName: 'web', operator: 'replace' }] } },
        ],
      },
    });
    expect(() => validateResource(obj)).toThrow(
      /spec\.workloadScope\.targetNodeGroups\[0\]\.overriders\.commandOverriders\[0\]\.operator/,
    );
  });

  it('requires apiVersion and kind on every manifest', () => {
    const obj = app({ workloadTemplate: { manifests: [{ metadata: { name: 'x' } }] }, workloadScope: {} });
    expect(() => validateResource(obj)).toThrow(/spec\.workloadTemplate\.manifests\[0\]\.apiVersion/);
  });
});
