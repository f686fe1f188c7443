import type { ActionName, NodeTaskEntry, NodeTaskJob, NodeUpgradeJob } from '@kedge/api';
import { describe, expect, it } from 'vitest';
import { applyReport, type NodeReport } from './apply-report.ts';
import { parseReportExtend } from './report-extend.ts';

function upgradeJob(entries: NodeTaskEntry[], requireConfirmation = false): NodeUpgradeJob {
  return {
    apiVersion: 'operations.kubeedge.io/v1alpha2',
    kind: 'NodeUpgradeJob',
    metadata: { name: 'up', uid: 'uid-1' },
    spec: { version: 'v1.1.0', nodeNames: entries.map((e) => e.nodeName), requireConfirmation },
    status: { phase: 'InProgress', nodeStatus: entries },
  };
}

function report(
  action: ActionName,
  succ: boolean,
  time: string,
  more: Partial<NodeReport['report']> = {},
): NodeReport {
  const extend = more.extend ?? '';
  return {
    node: 'n1',
    time,
    report: { action, succ, finishTime: time, reason: '', extend, ...more },
    extend: parseReportExtend('nodeupgradejob', action, extend, 'test'),
  };
}

const T1 = '2025-05-28T08:00:00Z';
const T2 = '2025-05-28T08:05:00Z';

function first(job: NodeTaskJob): NodeTaskEntry {
  const e = job.status?.nodeStatus?.[0];
  if (!e) throw new Error('no entry');
  return e;
}

describe('applyReport', () => {
  it('puts a report that was overtaken (resent after a retryable error) at its place in the flow', () => {
    const job = upgradeJob([{ nodeName: 'n1', phase: 'InProgress' }]);
    applyReport(job, report('WaitingConfirmation', true, T2));
    applyReport(job, report('Backup', true, T2, { extend: ',v1.0.0' }));
    expect(applyReport(job, report('Check', true, T1)).value).toBe('recorded');
    expect(first(job).actionFlow?.map((a) => a.action)).toEqual(['Check', 'WaitingConfirmation', 'Backup']);
    expect(first(job).phase).toBe('InProgress');
    applyReport(job, report('Upgrade', true, T2, { extend: 'v1.0.0,v1.1.0' }));
    expect(first(job).phase).toBe('Successful');
  });

  it('sets the waiting reason after Check and clears it on the next report', () => {
    const job = upgradeJob([{ nodeName: 'n1', phase: 'InProgress' }], true);
    expect(applyReport(job, report('Check', true, T1)).value).toBe('recorded');
    expect(first(job).reason).toMatch(
      /^waiting for confirmation since 2025-05-28T08:00:00Z \(keadm ctl confirm/,
    );
    applyReport(job, report('WaitingConfirmation', true, T2));
    expect(first(job).reason).toBeUndefined();
    expect(first(job).phase).toBe('InProgress');
  });

  it('ignores an identical re-report but records the same action finishing again later', () => {
    const job = upgradeJob([{ nodeName: 'n1', phase: 'InProgress' }]);
    applyReport(job, report('Check', true, T1));
    expect(applyReport(job, report('Check', true, T1))).toEqual({ changed: false, value: 'duplicate' });
    expect(applyReport(job, report('Check', true, T2)).value).toBe('recorded');
    expect(first(job).actionFlow?.map((a) => a.time)).toEqual([T1, T2]);
  });

  it('updates an Unknown (timed-out) entry with a late result but never reopens a finished one', () => {
    const job = upgradeJob([
      { nodeName: 'n1', phase: 'Unknown', reason: 'timed out after 300s in Upgrade (last finished: Backup)' },
    ]);
    applyReport(job, report('Upgrade', true, T1, { extend: 'v1.0.0,v1.1.0' }));
    expect(first(job)).toMatchObject({
      phase: 'Successful',
      currentVersion: 'v1.1.0',
      historicVersion: 'v1.0.0',
    });
    expect(first(job).reason).toBeUndefined();

    expect(applyReport(job, report('Check', false, T2, { reason: 'late' })).value).toBe('after-final');
    expect(first(job).phase).toBe('Successful');
    expect(first(job).actionFlow).toHaveLength(2);
  });

  it('never grows the flow of a final entry with actions it has already recorded (a node re-running a task)', () => {
    const job = upgradeJob([{ nodeName: 'n1', phase: 'InProgress' }]);
    for (const a of ['Check', 'WaitingConfirmation', 'Backup'] as const)
      applyReport(job, report(a, true, T1));
    applyReport(job, report('Upgrade', true, T1, { extend: 'v1.0.0,v1.1.0' }));
    const before = structuredClone(first(job));
    expect(before.phase).toBe('Successful');
    expect(applyReport(job, report('Backup', true, T2))).toEqual({ changed: false, value: 'after-final' });
    const again = report('Upgrade', false, T2, { extend: 'v1.0.0,v1.1.0', reason: 'x' });
    expect(applyReport(job, again)).toEqual({ changed: false, value: 'after-final' });
    expect(first(job)).toEqual(before);
  });

  it('changes nothing in a Completed or Failed job, whatever the report', () => {
    for (const phase of ['Completed', 'Failure'] as const) {
      const job = upgradeJob([{ nodeName: 'n1', phase: 'Unknown' }]);
      job.status = { ...job.status, phase };
      const before = structuredClone(job);
      expect(applyReport(job, report('Check', true, T1))).toEqual({ changed: false, value: 'after-final' });
      expect(job).toEqual(before);
    }
  });

  it('keeps the phase after a rollback that failed, with both reasons', () => {
    const job = upgradeJob([{ nodeName: 'n1', phase: 'InProgress' }]);
    applyReport(job, report('Upgrade', false, T1, { reason: 'digest mismatch' }));
    applyReport(job, report('Rollback', false, T2, { reason: 'backup missing' }));
    expect(first(job)).toMatchObject({
      phase: 'Failure',
      reason: 'upgrade to v1.1.0 failed: digest mismatch; rollback failed: backup missing',
    });
    expect(first(job).actionFlow?.at(-1)).toEqual({
      action: 'Rollback',
      status: 'False',
      reason: 'backup missing',
      time: T2,
    });
  });

  it('gives a failure without a reason one anyway', () => {
    const job = upgradeJob([{ nodeName: 'n1', phase: 'InProgress' }]);
    applyReport(job, report('Check', false, T1));
    expect(first(job).reason).toBe('Check failed: no reason given by the node');
  });

  it('ignores a report for an older job of the same name and refuses one for a node without an entry', () => {
    const job = upgradeJob([{ nodeName: 'n1', phase: 'InProgress' }]);
    expect(applyReport(job, report('Check', true, T1, { jobUid: 'uid-0' }))).toEqual({
      changed: false,
      value: 'stale-job',
    });
    expect(() => applyReport(job, { ...report('Check', true, T1), node: 'n2' })).toThrow(
      'NodeUpgradeJob up has no entry for node n2 (report of Check)',
    );
    expect(first(job).actionFlow).toBeUndefined();
  });
});

describe('parseReportExtend', () => {
  it('requires "<from>,<to>" on upgrade actions and a JSON image list on PrePull', () => {
    expect(parseReportExtend('nodeupgradejob', 'Backup', ',v1.0.0', 'r')).toEqual({
      versions: ['', 'v1.0.0'],
    });
    expect(() => parseReportExtend('nodeupgradejob', 'Upgrade', 'v1.1.0', 'r')).toThrow(
      'r: content.extend: expected "<from>,<to>" versions, got "v1.1.0"',
    );
    expect(() => parseReportExtend('imageprepulljob', 'PrePull', '{', 'r')).toThrow(
      /content\.extend: not JSON/,
    );
    expect(
      parseReportExtend('imageprepulljob', 'PrePull', '[{"image":"a","status":"True","reason":"x"}]', 'r'),
    ).toEqual({ images: [{ image: 'a', status: 'True' }] });
    expect(parseReportExtend('configupdatejob', 'ConfigUpdate', 'anything', 'r')).toEqual({});
  });
});
