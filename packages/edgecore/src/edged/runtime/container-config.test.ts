import { describe, expect, it } from 'vitest';
import { hasCode } from '@kedge/api';
import { containerConfig, linuxResources } from './container-config.ts';
import type { PodIdentity } from './pod-identity.ts';

const POD: PodIdentity = {
  namespace: 'shop',
  name: 'cart',
  uid: '6c1f0c9e-2b7a-4f53-9d0e-0a4a8f1e2b11',
  attempt: 2,
};

describe('containerConfig', () => {
  it('carries command, args, env, mounts, limits, log path and the pod labels', () => {
    const config = containerConfig(POD, {
      name: 'app',
      image: '127.0.0.1:5000/shop/cart:v3',
      command: ['/bin/cart'],
      args: ['--port', '8080'],
      env: [{ name: 'MODE', value: 'edge' }],
      mounts: [{ containerPath: '/data', hostPath: '/var/lib/kedge/pods/x/volumes/data', readOnly: true }],
      resources: { cpuRequestMillis: 100, cpuLimitMillis: 250, memoryLimitBytes: 128 << 20 },
      attempt: 4,
      annotations: { note: 'kept' },
    });
    expect(config).toMatchObject({
      metadata: { name: 'app', attempt: 4 },
      image: { image: '127.0.0.1:5000/shop/cart:v3' },
      command: ['/bin/cart'],
      args: ['--port', '8080'],
      envs: [{ key: 'MODE', value: 'edge' }],
      mounts: [{ containerPath: '/data', hostPath: '/var/lib/kedge/pods/x/volumes/data', readonly: true }],
      logPath: 'app/4.log',
      labels: {
        'io.kedge.managed': 'true',
        'io.kedge.pod.namespace': 'shop',
        'io.kedge.pod.name': 'cart',
        'io.kedge.pod.uid': POD.uid,
        'io.kedge.container.name': 'app',
      },
      annotations: { note: 'kept', 'io.kedge.pod.attempt': '2', 'io.kedge.container.attempt': '4' },
      linux: {
        resources: { cpuShares: 102, cpuPeriod: 100_000, cpuQuota: 25_000, memoryLimitInBytes: 128 << 20 },
      },
    });
  });

  it("computes cgroup limits with kubelet's floors", () => {
    expect(linuxResources({})).toEqual({});
    expect(linuxResources({ cpuRequestMillis: 1, cpuLimitMillis: 1 })).toEqual({
      cpuShares: 2,
      cpuPeriod: 100_000,
      cpuQuota: 1000,
    });
    expect(linuxResources({ cpuRequestMillis: 2000 })).toEqual({ cpuShares: 2048 });
  });

  it('names every bad field at once', () => {
    let err: unknown;
    try {
      containerConfig(POD, {
        name: 'App_1',
        image: ' ',
        mounts: [{ containerPath: 'data', hostPath: '../etc' }],
        env: [{ name: 'A=B', value: '' }],
        resources: { memoryLimitBytes: -1 },
      });
    } catch (e: unknown) {
      err = e;
    }
    expect(hasCode(err, 'KEDGE_RESOURCE_INVALID')).toBe(true);
    expect((err as Error).message).toBe(
      'pod shop/cart container App_1: name: not a DNS label; image: empty; ' +
        'mounts[0].hostPath: "../etc" is not absolute; mounts[0].containerPath: "data" is not absolute; ' +
        'env[0].name: "A=B" is not a name; resources.memoryLimitBytes: -1 is not > 0',
    );
  });
});
