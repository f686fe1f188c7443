import { describe, expect, it } from 'vitest';
import { nodeTaskHeading, nodeTaskTable } from './nodetask-report.ts';
import { benchJob, flowLength, type BaselineTaskResult, type KedgeTaskResult } from './nodetask-scenario.ts';

const fleet = {
  tasksReceived: 10,
  reportsSent: 40,
  reportsAcked: 40,
  reportsRejected: 0,
  taskErrors: 0,
  reconnects: 0,
};

describe('node-task benchmark report', () => {
  it('counts the actions of the success path (Rollback is not one)', () => {
    expect(flowLength('NodeUpgradeJob')).toBe(4);
    expect(flowLength('ConfigUpdateJob')).toBe(3);
  });

  it('builds a job over every hollow node with concurrency N', () => {
    const job = benchJob('NodeUpgradeJob', 3, 600);
    expect(job.spec).toMatchObject({
      version: 'v1.22.0',
      nodeNames: ['hollow-0', 'hollow-1', 'hollow-2'],
      concurrency: 3,
      timeoutSeconds: 600,
    });
  });

  it('puts kedge and the baseline side by side in one table', () => {
    const kedge: KedgeTaskResult = {
      system: 'kedge',
      nodes: 10,
      kind: 'NodeUpgradeJob',
      allUpMs: 100,
      times: { init: 120, allClaimed: 250, allReported: 2_840, completed: 3_090 },
      writes: {
        job: 12,
        byCloudcore: 6,
        byControllerManager: 5,
        jobBytes: 30 * 2 ** 20,
        overall: 14,
        byKind: {},
      },
      cloudcore: { rssBeforeKb: 300 * 1024, rssPeakKb: 640 * 1024, cpuMs: 2_800 },
      controllermanager: { rssBeforeKb: 200 * 1024, rssPeakKb: 420 * 1024, cpuMs: 900 },
      verified: 10,
      final: { total: 10, pending: 0, inProgress: 0, successful: 10, failed: 0 },
      fleet,
    };
    const baseline: BaselineTaskResult = {
      system: 'baseline',
      nodes: 10,
      kind: 'NodeUpgradeJob',
      allUpMs: 50,
      allAnsweredMs: 800,
      server: { rssBeforeKb: 150 * 1024, rssPeakKb: 240 * 1024, cpuMs: 760 },
      fleet,
    };
    const lines = nodeTaskTable([kedge, baseline]).split('\n');
    expect(lines[2]).toBe(
      '| 10 | kedge | 0.1 s | 0.3 s | 2.8 s | 3.1 s | 12 (6 + 5) | 1.200 | 14 | 30 MiB | 300 MiB → 640 MiB | 200 MiB → 420 MiB | 2.8 s / 0.9 s |',
    );
    expect(lines[3]).toBe(
      '| 10 | baseline | — | — | 0.8 s | — | 0 | 0 | 0 | — | 150 MiB → 240 MiB | — | 0.8 s / — |',
    );
    expect(nodeTaskHeading('ConfigUpdateJob')).toBe('## Node task: ConfigUpdateJob over N hollow nodes');
  });
});
