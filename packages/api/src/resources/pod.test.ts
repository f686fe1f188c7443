import { describe, expect, it } from 'vitest';
import { KedgeError } from '../errors.ts';
import { findKind, kindOfObject } from '../kinds.ts';
import { validateAs } from '../validate.ts';
import { parseQuantity } from './quantity.ts';

const pod = (spec: Record<string, unknown>) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web-1', namespace: 'default' },
  spec,
});

const deployment = (spec: Record<string, unknown>) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'default' },
  spec: {
    replicas: 3,
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: { containers: [{ name: 'web', image: 'web:1' }] },
    },
    ...spec,
  },
});

function fieldsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err: unknown) {
    if (err instanceof KedgeError && err.code === 'KEDGE_RESOURCE_INVALID')
      return err.context.fields as string[];
    throw err;
  }
  throw new Error('expected KEDGE_RESOURCE_INVALID');
}

describe('Pod schema', () => {
  it('accepts the spec subset edged runs, with Kubernetes field names, and keeps server-added fields', () => {
    const p = validateAs(
      'Pod',
      pod({
        containers: [
          {
            name: 'web',
            image: 'registry.local/web:1',
            imagePullPolicy: 'IfNotPresent',
            command: ['/srv'],
            env: [
              { name: 'A', value: 'x' },
              { name: 'B', valueFrom: { configMapKeyRef: { name: 'cm', key: 'b' } } },
              { name: 'C', valueFrom: { secretKeyRef: { name: 's', key: 'c', optional: true } } },
              { name: 'D', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
            ],
            envFrom: [{ configMapRef: { name: 'cm' } }, { prefix: 'S_', secretRef: { name: 's' } }],
            ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
            resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: 1, memory: '128Mi' } },
            volumeMounts: [{ name: 'data', mountPath: '/data' }],
            livenessProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 5 },
            readinessProbe: { tcpSocket: { port: 8080 } },
            startupProbe: { exec: { command: ['true'] }, failureThreshold: 30 },
            lifecycle: { preStop: { exec: { command: ['sleep', '1'] } } },
            terminationMessagePath: '/dev/termination-log',
          },
        ],
        volumes: [{ name: 'data', emptyDir: {} }],
        restartPolicy: 'Always',
        nodeSelector: { zone: 'a' },
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [{ matchExpressions: [{ key: 'cores', operator: 'Gt', values: ['2'] }] }],
            },
          },
        },
        tolerations: [{ key: 'edge', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 60 }],
        terminationGracePeriodSeconds: 10,
        imagePullSecrets: [{ name: 'regcred' }],
        dnsPolicy: 'ClusterFirst',
      }),
    );
    expect(p.spec.containers[0]?.terminationMessagePath).toBe('/dev/termination-log');
    expect(p.spec.dnsPolicy).toBe('ClusterFirst');
  });

  it('names every bad field: duplicate containers, unknown volume, two volume sources, bad quantity', () => {
    const fields = fieldsOf(() =>
      validateAs(
        'Pod',
        pod({
          containers: [
            { name: 'a', image: 'x', volumeMounts: [{ name: 'missing', mountPath: '/m' }] },
            { name: 'a', image: 'x', resources: { requests: { memory: 'lots' } } },
          ],
          volumes: [{ name: 'v', emptyDir: {}, hostPath: { path: '/tmp' } }],
        }),
      ),
    );
    expect(fields).toEqual(
      expect.arrayContaining([
        'spec.containers[1].resources.requests.memory: must be a non-negative quantity such as 250m, 128Mi or 2',
        'spec.volumes[0]: must name exactly one volume source (such as emptyDir), got emptyDir, hostPath',
        'spec.containers[1].name: duplicate container name "a"',
        'spec.containers[0].volumeMounts[0].name: no volume named "missing" in volumes',
      ]),
    );
  });

  it('accepts a pod as a real API server returns it (projected token volume, defaulted fields, null probe times)', () => {
    const p = validateAs('Pod', {
      ...pod({
        containers: [{ name: 'web', image: 'web:1', terminationMessagePolicy: 'File', resources: {} }],
        volumes: [
          {
            name: 'kube-api-access-abcde',
            projected: { sources: [{ serviceAccountToken: { path: 'token', expirationSeconds: 3607 } }] },
          },
        ],
        tolerations: [
          {
            key: 'node.kubernetes.io/not-ready',
            operator: 'Exists',
            effect: 'NoExecute',
            tolerationSeconds: 300,
          },
        ],
        schedulerName: 'default-scheduler',
      }),
      status: {
        phase: 'Pending',
        qosClass: 'BestEffort',
        conditions: [
          {
            type: 'PodScheduled',
            status: 'True',
            lastProbeTime: null,
            lastTransitionTime: '2026-01-01T00:00:00Z',
          },
        ],
      },
    });
    expect(p.spec.volumes?.[0]?.name).toBe('kube-api-access-abcde');
  });

  it('is served as core/v1 pods, namespaced, by kind, plural and short name', () => {
    expect(kindOfObject('v1', 'Pod')).toBe('Pod');
    expect(findKind('po')).toBe('Pod');
    expect(findKind('deploy')).toBe('Deployment');
    expect(findKind('replicasets.apps')).toBe('ReplicaSet');
    expect(kindOfObject('apps/v1', 'Deployment')).toBe('Deployment');
    expect(kindOfObject('v1', 'Deployment')).toBeUndefined();
  });
});

describe('Deployment schema', () => {
  it('accepts int and percentage maxSurge / maxUnavailable', () => {
    const d = validateAs(
      'Deployment',
      deployment({
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '50%', maxUnavailable: 0 } },
      }),
    );
    expect(d.spec.strategy?.rollingUpdate?.maxSurge).toBe('50%');
  });

  it('refuses a selector that does not select the template, and maxSurge = maxUnavailable = 0', () => {
    expect(
      fieldsOf(() => validateAs('Deployment', deployment({ selector: { matchLabels: { app: 'x' } } }))),
    ).toEqual(['spec.template.metadata.labels: `selector` does not match template `labels`']);
    expect(
      fieldsOf(() =>
        validateAs(
          'Deployment',
          deployment({ strategy: { rollingUpdate: { maxSurge: 0, maxUnavailable: '0%' } } }),
        ),
      ),
    ).toEqual(['spec.strategy.rollingUpdate.maxUnavailable: may not be 0 when `maxSurge` is 0']);
    expect(
      fieldsOf(() =>
        validateAs('Deployment', deployment({ strategy: { rollingUpdate: { maxSurge: '1.5' } } })),
      ),
    ).toEqual([
      'spec.strategy.rollingUpdate.maxSurge: must be a non-negative integer or a percentage such as "25%"',
    ]);
  });
});

describe('parseQuantity', () => {
  it.each([
    ['100m', 0.1],
    ['2', 2],
    [3, 3],
    ['128Mi', 128 * 2 ** 20],
    ['1G', 1e9],
    ['1.5Gi', 1.5 * 2 ** 30],
    ['2e3', 2000],
    ['500k', 500000],
  ] as const)('%s -> %d', (q, v) => expect(parseQuantity(q)).toBeCloseTo(v));

  it.each(['', 'abc', '1Qi', '10 Mi', '--1'])('refuses %j', (q) => expect(parseQuantity(q)).toBeUndefined());
});
