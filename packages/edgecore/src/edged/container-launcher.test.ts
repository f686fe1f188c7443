import { describe, expect, it } from 'vitest';
import { cpuMillis, memoryBytes, resourcesOf } from './container-launcher.ts';
import { pullPolicy } from './image-puller.ts';
import { sandboxSpecOf } from './pod-sandbox.ts';

describe('container launch inputs', () => {
  it('reads cpu and memory quantities as kubelet does', () => {
    expect([cpuMillis('250m'), cpuMillis('0.5'), cpuMillis(2), cpuMillis('1.5x')]).toEqual([
      250,
      500,
      2000,
      undefined,
    ]);
    expect([memoryBytes('64Mi'), memoryBytes('1G'), memoryBytes(1024), memoryBytes('1Gi')]).toEqual([
      64 * 2 ** 20,
      1e9,
      1024,
      2 ** 30,
    ]);
    expect(
      resourcesOf({ name: 'c', image: 'i', resources: { limits: { cpu: '500m', memory: '64Mi' } } }),
    ).toEqual({
      cpuRequestMillis: 500,
      cpuLimitMillis: 500,
      memoryLimitBytes: 64 * 2 ** 20,
    });
    expect(() => resourcesOf({ name: 'c', image: 'i', resources: { limits: { memory: 'lots' } } })).toThrow(
      'container c: resources.limits.memory: "lots" is not a quantity',
    );
  });

  it('imagePullPolicy defaults: Always for latest or no tag, IfNotPresent otherwise', () => {
    expect(pullPolicy({ image: 'nginx' })).toBe('Always');
    expect(pullPolicy({ image: 'nginx:latest' })).toBe('Always');
    expect(pullPolicy({ image: 'localhost:5000/nginx' })).toBe('Always');
    expect(pullPolicy({ image: 'localhost:5000/nginx:1.27' })).toBe('IfNotPresent');
    expect(pullPolicy({ image: 'nginx@sha256:' + 'a'.repeat(64) })).toBe('IfNotPresent');
    expect(pullPolicy({ image: 'nginx', imagePullPolicy: 'Never' })).toBe('Never');
  });

  it('the sandbox spec carries identity, hostPorts and the pod cgroup', () => {
    const spec = sandboxSpecOf(
      {
        metadata: { name: 'web', namespace: 'prod', uid: 'u-1', labels: { app: 'web' } },
        spec: {
          containers: [
            {
              name: 'a',
              image: 'i',
              ports: [{ containerPort: 80, hostPort: 8080 }, { containerPort: 9090 }],
            },
          ],
        },
      },
      2,
      '/var/log/pods',
      '/kubepods',
    );
    expect(spec).toEqual({
      pod: { namespace: 'prod', name: 'web', uid: 'u-1', attempt: 2 },
      podLogsRoot: '/var/log/pods',
      cgroupParent: '/kubepods/podu-1',
      ports: [{ containerPort: 80, hostPort: 8080 }],
      labels: { app: 'web' },
    });
  });
});
