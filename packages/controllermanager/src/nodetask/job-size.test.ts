import { describe, expect, it } from 'vitest';
import type { Node, NodeTaskJob } from '@kedge/api';
import { finishedJobBytes, jobSizeProblem, KUBERNETES_MAX_JOB_BYTES } from './job-size.ts';
import { planJob } from './plan-job.ts';

const T = '2030-01-01T00:00:00Z';
const names = (n: number): string[] =>
  Array.from({ length: n }, (_, i) => `edge-node-${String(i).padStart(5, '0')}`);

function upgradeJob(nodes: string[]): NodeTaskJob {
  return {
    apiVersion: 'operations.kubeedge.io/v1alpha2',
    kind: 'NodeUpgradeJob',
    metadata: { name: 'big', creationTimestamp: T },
    spec: {
      version: 'v1.21.0',
      nodeNames: nodes,
      failureTolerate: '0.1',
      timeoutSeconds: 300,
      concurrency: 10,
    },
  } as NodeTaskJob;
}

/** What a rolled-back node's entry really looks like (the benchmark's `failed` shape). */
function rolledBack(nodeName: string) {
  const ok = (action: string) => ({ action, status: 'True', time: T });
  return {
    nodeName,
    phase: 'Failure',
    reason:
      'upgrade to v1.21.0 failed: v1.21.0 did not come up healthy and connected within 120s; rolled back to v1.20.0',
    actionFlow: [
      ok('Check'),
      ok('WaitingConfirmation'),
      ok('Backup'),
      {
        action: 'Upgrade',
        status: 'False',
        reason: 'v1.21.0 did not come up healthy and connected within 120s',
        time: T,
      },
      ok('Rollback'),
    ],
    startTime: T,
    dispatchedBy: 'cloudcore-7d9f8b6c4-x2x9k',
    currentVersion: 'v1.20.0',
    historicVersion: 'v1.20.0',
  };
}

function lookup(nodeNames: string[]) {
  const nodes = new Map<string, Node>(
    nodeNames.map((name) => [
      name,
      {
        apiVersion: 'v1',
        kind: 'Node',
        metadata: { name, labels: { 'node-role.kubernetes.io/edge': '' } },
        status: { conditions: [{ type: 'Ready', status: 'True' }] },
      } as Node,
    ]),
  );
  return { get: (n: string) => nodes.get(n), list: () => [...nodes.values()] };
}

describe('job size at admission', () => {
  it('estimates at least what a real finished job weighs', () => {
    const nodes = names(1000);
    const job = upgradeJob(nodes);
    const real = JSON.stringify({
      ...job,
      status: {
        phase: 'Failure',
        progress: '1000/1000 done, 1000 failed',
        nodeStatus: nodes.map(rolledBack),
      },
    }).length;
    const estimate = finishedJobBytes(job, nodes);
    expect(estimate).toBeGreaterThanOrEqual(real);
    expect(estimate).toBeLessThan(real * 1.6); // pessimistic, not absurd
  });

  it('lets a job through that fits, and names sizes and a split for one that does not', () => {
    expect(jobSizeProblem(upgradeJob(names(500)), names(500), KUBERNETES_MAX_JOB_BYTES)).toBeUndefined();
    expect(jobSizeProblem(upgradeJob(names(5000)), names(5000), 0)).toBeUndefined(); // 0 = no limit
    const problem = jobSizeProblem(upgradeJob(names(5000)), names(5000), KUBERNETES_MAX_JOB_BYTES);
    expect(problem).toMatch(
      /^5000 nodes selected, but once every node has reported this NodeUpgradeJob would be about \d+\.\d MiB \(up to \d+ bytes per node\), more than the 1\.3 MiB one object may hold on this store \(nodeTask\.maxJobBytes\); split it into jobs of at most \d+ nodes, e\.g\. with spec\.labelSelector$/,
    );
    // The split it suggests fits (with the selector it suggests, the spec no longer lists the nodes).
    const bySelector = {
      ...upgradeJob([]),
      spec: { version: 'v1.21.0', labelSelector: { matchLabels: { rack: 'r1' } } },
    } as NodeTaskJob;
    const fits = Number(
      /at most (\d+) nodes/.exec(
        jobSizeProblem(bySelector, names(5000), KUBERNETES_MAX_JOB_BYTES) ?? '',
      )?.[1],
    );
    expect(fits).toBeGreaterThan(1000);
    expect(jobSizeProblem(bySelector, names(fits), KUBERNETES_MAX_JOB_BYTES)).toBeUndefined();
    expect(jobSizeProblem(bySelector, names(fits + 10), KUBERNETES_MAX_JOB_BYTES)).toBeDefined(); // a tight suggestion
  });

  it('counts every image of an ImagePrePullJob', () => {
    const nodes = names(100);
    const prepull = (images: string[]) =>
      ({
        apiVersion: 'operations.kubeedge.io/v1alpha2',
        kind: 'ImagePrePullJob',
        metadata: { name: 'pp' },
        spec: { imagePrePullTemplate: { images, nodeNames: nodes } },
      }) as NodeTaskJob;
    const one = finishedJobBytes(prepull(['registry.example/app:v1']), nodes);
    const five = finishedJobBytes(
      prepull(Array.from({ length: 5 }, (_, i) => `registry.example/app-${i}:v1`)),
      nodes,
    );
    expect(five - one).toBeGreaterThan(100 * 4 * 200); // four more images with a reason budget each, per node
  });

  it('planJob refuses the job at initialisation: Failure with the reason, no entries', () => {
    const nodes = names(4000);
    const plan = planJob(upgradeJob(nodes), lookup(nodes), Date.parse(T), {
      maxJobBytes: KUBERNETES_MAX_JOB_BYTES,
    });
    expect(plan.status.phase).toBe('Failure');
    expect(plan.status.reason).toMatch(/^4000 nodes selected, but once every node has reported/);
    expect(plan.status.nodeStatus ?? []).toEqual([]);
    const fine = planJob(upgradeJob(nodes), lookup(nodes), Date.parse(T));
    expect(fine.status.phase).toBe('Init');
    expect(fine.status.nodeStatus).toHaveLength(4000);
  });
});
