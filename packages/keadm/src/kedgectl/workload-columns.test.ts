import type { Deployment, Pod, ReplicaSet } from '@kedge/api';
import { describe, expect, it } from 'vitest';
import { columnsFor } from './columns.ts';
import { TableWriter } from './printers.ts';
import { podRestarts, podStatusReason } from './workload-columns.ts';

const now = Date.parse('2025-06-01T12:00:00Z');

function pod(status: Pod['status'], extra: { deleting?: boolean; containers?: number } = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'web-1',
      namespace: 'default',
      creationTimestamp: '2025-06-01T11:00:00Z',
      ...(extra.deleting ? { deletionTimestamp: '2025-06-01T11:59:00Z' } : {}),
    },
    spec: {
      nodeName: 'edge-1',
      containers: Array.from({ length: extra.containers ?? 1 }, (_, i) => ({
        name: `c${i}`,
        image: 'nginx',
      })),
    },
    status,
  } as Pod;
}

function running(
  name: string,
  restartCount = 0,
  ready = true,
): NonNullable<Pod['status']>['containerStatuses'] {
  return [
    { name, ready, restartCount, image: 'nginx', state: { running: { startedAt: '2025-06-01T11:00:00Z' } } },
  ];
}

function table(kind: Parameters<typeof columnsFor>[0], objects: unknown[], wide = false): string[] {
  const columns = columnsFor(kind, { wide, namespaceColumn: false, now: () => now });
  return new TableWriter(columns.map((c) => c.header)).format(
    objects.map((o) => columns.map((c) => c.cell(o))),
  );
}

describe('pod columns', () => {
  it('prints kubectl’s NAME READY STATUS RESTARTS AGE, and IP NODE ... with -o wide', () => {
    const p = pod({ phase: 'Running', podIP: '10.88.0.4', containerStatuses: running('c0') });
    expect(table('Pod', [p])).toEqual([
      'NAME    READY   STATUS    RESTARTS   AGE',
      'web-1   1/1     Running   0          60m',
    ]);
    expect(table('Pod', [p], true)).toEqual([
      'NAME    READY   STATUS    RESTARTS   AGE   IP          NODE     NOMINATED NODE   READINESS GATES',
      'web-1   1/1     Running   0          60m   10.88.0.4   edge-1   <none>           <none>',
    ]);
  });

  it('STATUS is the kubelet reason of a waiting or terminated container', () => {
    const waiting = (reason: string): Pod =>
      pod({
        phase: 'Pending',
        containerStatuses: [
          { name: 'c0', ready: false, restartCount: 0, image: 'x', state: { waiting: { reason } } },
        ],
      });
    expect(podStatusReason(waiting('ErrImagePull'))).toBe('ErrImagePull');
    expect(podStatusReason(waiting('CrashLoopBackOff'))).toBe('CrashLoopBackOff');
    const done = pod({
      phase: 'Succeeded',
      containerStatuses: [
        {
          name: 'c0',
          ready: false,
          restartCount: 0,
          image: 'x',
          state: { terminated: { exitCode: 0, reason: 'Completed' } },
        },
      ],
    });
    expect(podStatusReason(done)).toBe('Completed');
    const killed = pod({
      phase: 'Failed',
      containerStatuses: [
        {
          name: 'c0',
          ready: false,
          restartCount: 0,
          image: 'x',
          state: { terminated: { exitCode: 137, signal: 9 } },
        },
      ],
    });
    expect(podStatusReason(killed)).toBe('Signal:9');
    expect(podStatusReason(pod(undefined))).toBe('Pending');
    expect(
      podStatusReason(pod({ phase: 'Running', containerStatuses: running('c0') }, { deleting: true })),
    ).toBe('Terminating');
  });

  it('READY counts ready containers of the spec; RESTARTS sums them with the last restart’s age', () => {
    const p = pod(
      {
        phase: 'Running',
        containerStatuses: [
          ...(running('c0', 2) ?? []),
          {
            ...(running('c1', 1, false) ?? [])[0]!,
            lastState: { terminated: { exitCode: 1, finishedAt: '2025-06-01T11:59:15Z' } },
          },
        ],
      },
      { containers: 2 },
    );
    expect(table('Pod', [p])[1]).toBe('web-1   1/2     Running   3 (45s ago)   60m');
    expect(podRestarts(pod({ phase: 'Running', containerStatuses: running('c0') }), now)).toBe('0');
  });
});

describe('deployment and replicaset columns', () => {
  const template = {
    metadata: { labels: { app: 'web' } },
    spec: { containers: [{ name: 'nginx', image: 'nginx:1.27' }] },
  };
  it('deployments print READY ready/desired, UP-TO-DATE, AVAILABLE, AGE', () => {
    const d = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'default', creationTimestamp: '2025-06-01T11:00:00Z' },
      spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template },
      status: { replicas: 3, readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 },
    } as unknown as Deployment;
    expect(table('Deployment', [d])).toEqual([
      'NAME   READY   UP-TO-DATE   AVAILABLE   AGE',
      'web    2/3     3            2           60m',
    ]);
    expect(table('Deployment', [d], true)[1]).toBe(
      'web    2/3     3            2           60m   nginx        nginx:1.27   app=web',
    );
  });
  it('replicasets print DESIRED CURRENT READY AGE', () => {
    const rs = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'web-5d8f', namespace: 'default', creationTimestamp: '2025-06-01T11:00:00Z' },
      spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template },
      status: { replicas: 2, readyReplicas: 1 },
    } as unknown as ReplicaSet;
    expect(table('ReplicaSet', [rs])).toEqual([
      'NAME       DESIRED   CURRENT   READY   AGE',
      'web-5d8f   2         2         1       60m',
    ]);
  });
});
