import { describe, expect, it } from 'vitest';
import { type ImagePrePullJob, modeSkipStatus, type Node, type NodeTaskJob } from '@kedge/api';
import { planJob } from './plan-job.ts';

const edge: Node = {
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name: 'edge-a', labels: { 'node-role.kubernetes.io/edge': '' } },
  status: { conditions: [{ type: 'Ready', status: 'True' }] },
};
const nodes = { get: (name: string) => (name === 'edge-a' ? edge : undefined), list: () => [edge] };

function prePull(imageSecrets: string): NodeTaskJob {
  const job: ImagePrePullJob = {
    apiVersion: 'operations.kubeedge.io/v1alpha2',
    kind: 'ImagePrePullJob',
    metadata: { name: 'pull', creationTimestamp: '2026-01-01T00:00:00Z' },
    spec: { imagePrePullTemplate: { images: ['nginx:1.27'], nodeNames: ['edge-a'], imageSecrets } },
  };
  return job as NodeTaskJob;
}

describe('planJob admission of imageSecrets', () => {
  const options = { imageSecretNamespaces: ['kubeedge'] };

  it('refuses a pull Secret outside nodeTask.imageSecretNamespaces with a coded reason naming the field', () => {
    const plan = planJob(prePull('kube-system/admin-pull'), nodes, 0, options);
    expect(plan.status.phase).toBe('Failure');
    expect(plan.status.nodeStatus ?? []).toEqual([]);
    expect(plan.status.reason).toMatch(
      /^KEDGE_TASK_SECRET_FORBIDDEN: spec\.imagePrePullTemplate\.imageSecrets: Secret kube-system\/admin-pull is in namespace "kube-system".*nodeTask\.imageSecretNamespaces: kubeedge/,
    );
  });

  it('runs a job whose pull Secret is in an allowed namespace', () => {
    const plan = planJob(prePull('kubeedge/regcred'), nodes, 0, options);
    expect(plan.status.phase).not.toBe('Failure');
    expect(plan.status.nodeStatus?.map((e) => e.nodeName)).toEqual(['edge-a']);
  });
});

describe('planJob after the other mode left its reason', () => {
  it('initialises the job as if it had no status, and drops the skip reason', () => {
    const job = prePull('kubeedge/regcred');
    const skipped = { ...job, status: modeSkipStatus(job, 'v1alpha1') } as NodeTaskJob;
    expect(skipped.status?.reason).toMatch(
      /^KEDGE_TASK_MODE_MISMATCH: ImagePrePullJob pull is a v1alpha2 job/,
    );
    const plan = planJob(skipped, nodes, 0, { imageSecretNamespaces: ['kubeedge'] });
    expect(plan.initialised).toBe(true);
    expect(plan.status.nodeStatus?.map((e) => e.nodeName)).toEqual(['edge-a']);
    expect(plan.status).toHaveProperty('reason', undefined);
    expect({ ...skipped.status, ...plan.status }.reason).toBeUndefined();
  });
});
