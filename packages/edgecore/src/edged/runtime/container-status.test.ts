import { describe, expect, it } from 'vitest';
import { CONTAINER_STATE, type WireContainerStatus } from '../../cri/index.ts';
import { nanosToIso, toContainerStatus } from './container-status.ts';
import { containerLabels } from './pod-identity.ts';

const POD = { namespace: 'shop', name: 'cart', uid: 'u-1', attempt: 1 };

function wire(over: Partial<WireContainerStatus>): WireContainerStatus {
  return {
    id: 'c1',
    metadata: { name: 'app', attempt: 3 },
    state: CONTAINER_STATE.running,
    createdAt: '1764727200000000000',
    startedAt: '1764727201500000000',
    finishedAt: '0',
    exitCode: 0,
    image: { image: 'reg/shop/cart:v3' },
    imageRef: 'sha256:' + 'a'.repeat(64),
    reason: '',
    message: '',
    labels: containerLabels(POD, 'app'),
    annotations: { 'io.kedge.pod.attempt': '1' },
    mounts: [],
    logPath: '/var/log/pods/shop_cart_u-1/app/3.log',
    resources: { linux: { memoryLimitInBytes: '67108864' } },
    ...over,
  };
}

describe('toContainerStatus', () => {
  it('maps a running container', () => {
    expect(toContainerStatus(wire({}))).toEqual({
      id: 'c1',
      name: 'app',
      state: 'running',
      reason: '',
      message: '',
      createdAt: '2025-12-03T02:00:00.000Z',
      startedAt: '2025-12-03T02:00:01.500Z',
      attempt: 3,
      image: 'reg/shop/cart:v3',
      imageRef: 'sha256:' + 'a'.repeat(64),
      logPath: '/var/log/pods/shop_cart_u-1/app/3.log',
      pod: POD,
      memoryLimitBytes: 67108864,
    });
  });

  it('gives an exited container its exit code, reason and finish time', () => {
    const s = toContainerStatus(
      wire({
        state: CONTAINER_STATE.exited,
        exitCode: 137,
        reason: 'OOMKilled',
        finishedAt: '1764727260000000000',
      }),
    );
    expect(s).toMatchObject({ state: 'exited', exitCode: 137, reason: 'OOMKilled' });
    expect(s.finishedAt).toBe('2025-12-03T02:01:00.000Z');
  });

  it('treats unknown states and unset times as unknown / absent', () => {
    const s = toContainerStatus(wire({ state: 7, startedAt: '0', resources: null, labels: {} }));
    expect(s.state).toBe('unknown');
    expect(s.startedAt).toBeUndefined();
    expect(s.exitCode).toBeUndefined();
    expect(s.pod).toBeUndefined();
    expect(s.memoryLimitBytes).toBe(0);
    expect(nanosToIso(undefined)).toBeUndefined();
  });
});
