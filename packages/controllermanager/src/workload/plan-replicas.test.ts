import type { ReplicaSet } from '@kedge/api';
import { describe, expect, it } from 'vitest';
import { BURST_REPLICAS, planReplicas, podForReplicaSet } from './plan-replicas.ts';
import { pod, T0 } from './workload-fixtures.ts';

const rs = (replicas: number): ReplicaSet => ({
  apiVersion: 'apps/v1',
  kind: 'ReplicaSet',
  metadata: { name: 'rs1', namespace: 'default', uid: 'rs1', generation: 4 },
  spec: {
    replicas,
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: { containers: [{ name: 'web', image: 'web:1' }] },
    },
  },
});

describe('planReplicas', () => {
  it('creates or deletes at most BURST_REPLICAS (500) pods per step, as kube-controller-manager', () => {
    expect(BURST_REPLICAS).toBe(500);
    expect(planReplicas(rs(1200), [], T0).create).toBe(500);
    const many = Array.from({ length: 700 }, (_, i) => pod(`p${i}`, { owner: 'rs1' }));
    expect(planReplicas(rs(0), many, T0).delete).toHaveLength(500);
    expect(planReplicas(rs(450), many, T0).delete).toHaveLength(250);
  });

  it('creates the missing pods and ignores pods it does not own', () => {
    const step = planReplicas(rs(3), [pod('a', { owner: 'rs1' }), pod('x', { owner: 'other' })], T0);
    expect(step.create).toBe(2);
    expect(step.delete).toEqual([]);
    expect(step.status).toMatchObject({
      replicas: 1,
      readyReplicas: 0,
      availableReplicas: 0,
      observedGeneration: 4,
    });
  });

  it('deletes unbound, then not ready, then the most recently created pods first', () => {
    const pods = [
      pod('ready-old', { owner: 'rs1', node: 'n1', ready: true }),
      pod('notready', { owner: 'rs1', node: 'n1', ready: false }),
      pod('unbound', { owner: 'rs1' }),
      pod('ready-2', { owner: 'rs1', node: 'n2', ready: true }),
    ];
    expect(planReplicas(rs(1), pods, T0).delete).toEqual(['unbound', 'notready', 'ready-2']);
  });

  it('does not count pods being deleted or finished', () => {
    const going = {
      ...pod('going', { owner: 'rs1' }),
      metadata: { ...pod('going', { owner: 'rs1' }).metadata, deletionTimestamp: 'x' },
    };
    const failed = { ...pod('failed', { owner: 'rs1' }), status: { phase: 'Failed' as const } };
    expect(planReplicas(rs(1), [going, failed], T0).create).toBe(1);
  });

  it('names pods <replicaset>-<5 chars>, cut to 63 characters like generateName, owned by the ReplicaSet', () => {
    const p = podForReplicaSet(rs(1), () => 0);
    expect(p.metadata.name).toBe('rs1-bbbbb');
    expect(p.metadata.ownerReferences).toEqual([
      {
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        name: 'rs1',
        uid: 'rs1',
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
    const long = rs(1);
    long.metadata.name = 'a'.repeat(80);
    expect(podForReplicaSet(long, () => 0).metadata.name).toBe(`${'a'.repeat(58)}bbbbb`);
  });
});
