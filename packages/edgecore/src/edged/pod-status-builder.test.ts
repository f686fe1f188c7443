import { describe, expect, it } from 'vitest';
import { PodStatusSchema } from '@kedge/api';
import type { PodContainerStatus } from './runtime/index.ts';
import { buildPodStatus, podPhase, type ContainerObservation } from './pod-status-builder.ts';
import type { EdgePod } from './pod-spec.ts';

const T0 = Date.parse('2026-12-03T01:00:00.123Z');
const pod = (restartPolicy?: 'Always' | 'OnFailure' | 'Never'): EdgePod => ({
  metadata: { name: 'web', namespace: 'default', uid: 'u1' },
  spec: { ...(restartPolicy ? { restartPolicy } : {}), containers: [{ name: 'web', image: 'r/web:v1' }] },
});

function ctr(o: Partial<PodContainerStatus>): PodContainerStatus {
  return {
    id: 'c1',
    name: 'web',
    state: 'running',
    reason: '',
    message: '',
    startedAt: '2026-12-03T01:00:01.500Z',
    attempt: 0,
    image: 'r/web:v1',
    imageRef: 'sha256:abc',
    logPath: '',
    memoryLimitBytes: 0,
    ...o,
  };
}

const obs = (o: Partial<ContainerObservation>): ContainerObservation => ({
  name: 'web',
  ready: false,
  started: false,
  ...o,
});

describe('pod status builder', () => {
  it('a running, ready pod: phase Running, all conditions True, kubelet field shapes', () => {
    const status = buildPodStatus({
      pod: pod(),
      containers: [obs({ current: ctr({}), ready: true, started: true })],
      podIP: '10.244.0.5',
      hostIP: '192.168.1.2',
      startTime: '2026-12-03T01:00:00Z',
      now: T0,
    });
    // What edged writes is a valid @kedge/api PodStatus, unchanged by its schema.
    expect(PodStatusSchema.parse(status)).toEqual(status);
    expect(status).toEqual({
      phase: 'Running',
      conditions: ['Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map((type) => ({
        type,
        status: 'True',
        lastProbeTime: null,
        lastTransitionTime: '2026-12-03T01:00:00Z',
      })),
      hostIP: '192.168.1.2',
      hostIPs: [{ ip: '192.168.1.2' }],
      podIP: '10.244.0.5',
      podIPs: [{ ip: '10.244.0.5' }],
      startTime: '2026-12-03T01:00:00Z',
      containerStatuses: [
        {
          name: 'web',
          state: { running: { startedAt: '2026-12-03T01:00:01Z' } },
          lastState: {},
          ready: true,
          started: true,
          restartCount: 0,
          image: 'r/web:v1',
          imageID: 'sha256:abc',
          containerID: 'containerd://c1',
        },
      ],
    });
  });

  it('CrashLoopBackOff: waiting with the exited container as lastState; phase Running; Ready False', () => {
    const exited = ctr({
      id: 'c2',
      state: 'exited',
      exitCode: 137,
      reason: 'Error',
      attempt: 1,
      finishedAt: '2026-12-03T01:00:09Z',
    });
    const status = buildPodStatus({
      pod: pod(),
      containers: [
        obs({ current: exited, waiting: { reason: 'CrashLoopBackOff', message: 'back-off 10s' } }),
      ],
      now: T0,
    });
    expect(status.phase).toBe('Running');
    expect(status.containerStatuses[0]).toMatchObject({
      state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 10s' } },
      lastState: {
        terminated: {
          exitCode: 137,
          reason: 'Error',
          startedAt: '2026-12-03T01:00:01Z',
          finishedAt: '2026-12-03T01:00:09Z',
          containerID: 'containerd://c2',
        },
      },
      restartCount: 1,
      ready: false,
      started: false,
    });
    expect(status.conditions[1]).toMatchObject({
      type: 'Ready',
      status: 'False',
      reason: 'ContainersNotReady',
      message: 'containers with unready status: [web]',
    });
  });

  it('keeps lastTransitionTime while a condition holds and moves it when it flips', () => {
    const first = buildPodStatus({ pod: pod(), containers: [obs({ current: ctr({}) })], now: T0 });
    const same = buildPodStatus({
      pod: pod(),
      containers: [obs({ current: ctr({}) })],
      now: T0 + 60_000,
      previous: first,
    });
    expect(same).toEqual(first);
    const ready = buildPodStatus({
      pod: pod(),
      containers: [obs({ current: ctr({}), ready: true, started: true })],
      now: T0 + 120_000,
      previous: same,
    });
    expect(ready.conditions.map((c) => c.lastTransitionTime)).toEqual([
      '2026-12-03T01:00:00Z',
      '2026-12-03T01:02:00Z',
      '2026-12-03T01:02:00Z',
      '2026-12-03T01:00:00Z',
    ]);
  });

  it('an image pull error keeps the pod Pending with no container ID', () => {
    const status = buildPodStatus({
      pod: pod(),
      containers: [obs({ waiting: { reason: 'ErrImagePull', message: 'not found' } })],
      now: T0,
    });
    expect(status.phase).toBe('Pending');
    expect(status.containerStatuses[0]).toEqual({
      name: 'web',
      state: { waiting: { reason: 'ErrImagePull', message: 'not found' } },
      lastState: {},
      ready: false,
      started: false,
      restartCount: 0,
      image: 'r/web:v1',
      imageID: '',
    });
  });

  it('phases of exited containers follow restartPolicy', () => {
    const done = (exitCode: number) =>
      [
        {
          name: 'web',
          state: { terminated: { exitCode } },
          lastState: {},
          ready: false,
          started: false,
          restartCount: 0,
          image: '',
          imageID: '',
        },
      ] as const;
    expect(podPhase(pod('Never'), [...done(0)])).toBe('Succeeded');
    expect(podPhase(pod('Never'), [...done(1)])).toBe('Failed');
    expect(podPhase(pod('OnFailure'), [...done(0)])).toBe('Succeeded');
    expect(podPhase(pod('OnFailure'), [...done(1)])).toBe('Running');
    expect(podPhase(pod('Always'), [...done(0)])).toBe('Running');
    const s = buildPodStatus({
      pod: pod('Never'),
      containers: [obs({ current: ctr({ state: 'exited', exitCode: 0, reason: 'Completed' }) })],
      now: T0,
    });
    expect(s.phase).toBe('Succeeded');
    expect(s.conditions[1]).toMatchObject({ status: 'False', reason: 'PodCompleted' });
  });

  it('a deleted pod whose containers stopped is terminal: every container terminated, phase Failed or Succeeded', () => {
    // Killed by the deletion (SIGTERM): restartPolicy Always no longer keeps it Running.
    const killed = buildPodStatus({
      pod: pod(),
      containers: [obs({ current: ctr({ state: 'exited', exitCode: 143, reason: 'Error' }) })],
      now: T0,
      terminal: true,
    });
    expect(killed.phase).toBe('Failed');
    expect(killed.containerStatuses[0]?.state.terminated).toMatchObject({ exitCode: 143, reason: 'Error' });
    expect(killed.conditions.find((c) => c.type === 'Ready')?.status).toBe('False');
    // A container that never ran (still being created) is reported as kubelet does.
    const neverRan = buildPodStatus({
      pod: pod(),
      containers: [obs({ waiting: { reason: 'ContainerCreating' } })],
      now: T0,
      terminal: true,
    });
    expect(neverRan.phase).toBe('Failed');
    expect(neverRan.containerStatuses[0]?.state).toEqual({
      terminated: {
        exitCode: 137,
        reason: 'ContainerStatusUnknown',
        message: 'The container could not be located when the pod was terminated',
      },
    });
    const clean = buildPodStatus({
      pod: pod(),
      containers: [obs({ current: ctr({ state: 'exited', exitCode: 0 }) })],
      now: T0,
      terminal: true,
    });
    expect(clean.phase).toBe('Succeeded');
    expect(podPhase(pod(), clean.containerStatuses)).toBe('Running'); // not terminal: Always restarts it
  });
});
