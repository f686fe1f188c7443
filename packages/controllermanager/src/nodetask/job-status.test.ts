import { describe, expect, it } from 'vitest';
import type { ActionStatus, NodeTaskPhase, NodeTaskType, Rollout, TaskEntry, TaskStatus } from '@kedge/api';
import { computeJobStatus } from './job-status.ts';

const T0 = Date.parse('2030-01-01T00:00:00Z');
const at = (s: number): string => new Date(T0 + s * 1000).toISOString().replace(/\.000Z$/, 'Z');

function entry(nodeName: string, phase: NodeTaskPhase, extra: Partial<TaskEntry> = {}): TaskEntry {
  return { nodeName, phase, ...extra };
}

function run(
  nodeStatus: TaskEntry[],
  opts: { rollout?: Rollout; phase?: TaskStatus['phase']; now?: number; type?: NodeTaskType } = {},
) {
  return computeJobStatus({
    type: opts.type ?? 'nodeupgradejob',
    status: { phase: opts.phase ?? 'InProgress', nodeStatus },
    rollout: { failureTolerate: '0.1', timeoutSeconds: 300, ...opts.rollout },
    createdAt: at(0),
    now: T0 + (opts.now ?? 0) * 1000,
  });
}

const ok = (action: ActionStatus['action'], s: number): ActionStatus => ({
  action,
  status: 'True',
  time: at(s),
});

describe('computeJobStatus: phase', () => {
  it('keeps Init until a node starts, then InProgress, then Completed', () => {
    const init = run([entry('a', 'Pending'), entry('b', 'Pending')], { phase: 'Init' });
    expect(init.status).toMatchObject({ phase: 'Init', progress: '0/2 done, 0 failed' });
    const running = run([entry('a', 'InProgress', { startTime: at(1) }), entry('b', 'Pending')], {
      phase: 'Init',
    });
    expect(running.status.phase).toBe('InProgress');
    const half = run([entry('a', 'Successful', { startTime: at(1) }), entry('b', 'Pending')], {
      phase: 'Init',
    });
    expect(half.status.phase).toBe('InProgress');
    const done = run([entry('a', 'Successful'), entry('b', 'Successful')]);
    expect(done.status).toEqual({
      phase: 'Completed',
      progress: '2/2 done, 0 failed',
      nodeStatus: [entry('a', 'Successful'), entry('b', 'Successful')],
    });
  });

  it('judges failureTolerate strictly: 1 of 3 failed is over 0.3 but not over 0.34', () => {
    const nodes = [
      entry('a', 'Successful'),
      entry('b', 'Failure', { reason: 'Check failed' }),
      entry('c', 'Successful'),
    ];
    const over = run(nodes, { rollout: { failureTolerate: '0.3' } });
    expect(over.status.phase).toBe('Failure');
    expect(over.status.reason).toBe('1 of 3 nodes failed, more than failureTolerate 0.3 allows');
    expect(over.status.progress).toBe('3/3 done, 1 failed');
    expect(run(nodes, { rollout: { failureTolerate: '0.34' } }).status).toMatchObject({ phase: 'Completed' });
    expect(run(nodes, { rollout: { failureTolerate: '0.34' } }).status.reason).toBeUndefined();
  });

  it('counts Unknown as failed and fails a job with no entries', () => {
    expect(
      run([entry('a', 'Unknown'), entry('b', 'Successful')], { rollout: { failureTolerate: '0.5' } }).status
        .phase,
    ).toBe('Completed');
    expect(
      run([entry('a', 'Unknown'), entry('b', 'Successful')], { rollout: { failureTolerate: '0.4' } }).status
        .phase,
    ).toBe('Failure');
    const none = computeJobStatus({
      type: 'configupdatejob',
      status: { phase: 'Failure', reason: 'no nodes matched spec.labelSelector "x=y"' },
      rollout: {},
      now: T0,
    });
    expect(none).toMatchObject({
      changed: true,
      status: {
        phase: 'Failure',
        reason: 'no nodes matched spec.labelSelector "x=y"',
        progress: '0/0 done, 0 failed',
      },
    });
    expect(none.status.nodeStatus).toBeUndefined();
  });

  it('writes nothing when nothing changed, and returns the very same status', () => {
    const status: TaskStatus = {
      phase: 'InProgress',
      progress: '0/2 done, 0 failed',
      nodeStatus: [entry('a', 'InProgress', { startTime: at(0) }), entry('b', 'Pending')],
    };
    const result = computeJobStatus({ type: 'imageprepulljob', status, rollout: {}, now: T0 + 10_000 });
    expect(result.changed).toBe(false);
    expect(result.status).toBe(status);
  });
});

describe('computeJobStatus: early stop', () => {
  it('stops the rollout once failures exceed failureTolerate: waits for running nodes, then fails and marks the rest', () => {
    const nodes = [
      entry('a', 'Failure', { startTime: at(1), reason: 'Check failed: disk 91% used' }),
      entry('b', 'InProgress', { startTime: at(2) }),
      entry('c', 'Pending'),
      entry('d', 'Pending'),
    ];
    const waiting = run(nodes, { now: 10 });
    expect(waiting.status.phase).toBe('InProgress');
    expect(waiting.status.reason).toBe(
      '1 of 4 nodes failed, more than failureTolerate 0.1 allows; waiting for 1 running node; 2 nodes will not start',
    );
    expect(waiting.status.nodeStatus?.[2]?.reason).toBeUndefined();

    const finished = run(
      [nodes[0], entry('b', 'Successful', { startTime: at(2) }), nodes[2], nodes[3]] as TaskEntry[],
      {
        now: 20,
      },
    );
    expect(finished.status.phase).toBe('Failure');
    expect(finished.status.reason).toBe(
      '1 of 4 nodes failed, more than failureTolerate 0.1 allows; rollout stopped, 2 nodes not started',
    );
    const notStarted = 'not started: rollout stopped after 1 of 4 nodes failed (failureTolerate 0.1)';
    expect(finished.status.nodeStatus?.map((e) => [e.nodeName, e.phase, e.reason])).toEqual([
      ['a', 'Failure', 'Check failed: disk 91% used'],
      ['b', 'Successful', undefined],
      ['c', 'Pending', notStarted],
      ['d', 'Pending', notStarted],
    ]);
    // Idempotent: computing again changes nothing.
    const again = computeJobStatus({
      type: 'nodeupgradejob',
      status: finished.status,
      rollout: { failureTolerate: '0.1', timeoutSeconds: 300 },
      now: T0 + 30_000,
    });
    expect(again.changed).toBe(false);
  });

  it('takes the stop back when a late report brings failures under the tolerance', () => {
    const notStarted = 'not started: rollout stopped after 1 of 3 nodes failed (failureTolerate 0.1)';
    const late = run(
      [
        entry('a', 'Successful', { startTime: at(1) }),
        entry('b', 'Successful'),
        entry('c', 'Pending', { reason: notStarted }),
      ],
      { phase: 'Failure' },
    );
    expect(late.status.phase).toBe('InProgress');
    expect(late.status.nodeStatus?.[2]).toEqual({ nodeName: 'c', phase: 'Pending' });
  });
});

describe('computeJobStatus: timeouts', () => {
  it('turns an InProgress node Unknown at its last action + timeoutSeconds, naming what it waited for', () => {
    const nodes = [
      entry('a', 'InProgress', {
        startTime: at(0),
        actionFlow: [ok('Check', 10), ok('WaitingConfirmation', 11), ok('Backup', 20)],
      }),
      entry('b', 'InProgress', { startTime: at(5) }),
    ];
    const before = run(nodes, { now: 304 });
    expect(before.timedOut).toEqual([]);
    expect(before.nextDeadline).toBe(T0 + 305_000);
    const first = run(nodes, { now: 305 });
    expect(first.timedOut).toEqual(['b']);
    expect(first.status.nodeStatus?.[1]).toMatchObject({
      phase: 'Unknown',
      reason: `timed out after 300s waiting for Check (dispatched at ${at(5)}, no action finished)`,
    });
    expect(first.nextDeadline).toBe(T0 + 320_000);
    const both = run(nodes, { now: 320 });
    expect(both.status.nodeStatus?.[0]).toMatchObject({
      phase: 'Unknown',
      reason: `timed out after 300s waiting for Upgrade (last finished: Backup at ${at(20)})`,
    });
    expect(both.status).toMatchObject({ phase: 'Failure', progress: '2/2 done, 2 failed' });
    expect(both.nextDeadline).toBeUndefined();
  });

  it('says "waiting for confirmation" when a job that requires it times out there', () => {
    const waitingReason = `waiting for confirmation since ${at(10)} (keadm ctl confirm on the node)`;
    const nodes = [
      entry('a', 'InProgress', { startTime: at(0), reason: waitingReason, actionFlow: [ok('Check', 10)] }),
    ];
    const waiting = run(nodes, { rollout: { requireConfirmation: true }, now: 100 });
    expect(waiting.changed).toBe(true); // progress only: cloudcore's reason is kept
    expect(waiting.status.nodeStatus?.[0]?.reason).toBe(waitingReason);
    const timedOut = run(nodes, { rollout: { requireConfirmation: true }, now: 310 });
    expect(timedOut.status.nodeStatus?.[0]?.reason).toBe(
      `timed out after 300s waiting for confirmation (last finished: Check at ${at(10)})`,
    );
    const noConfirmation = run(nodes, { now: 310 });
    expect(noConfirmation.status.nodeStatus?.[0]?.reason).toBe(
      `timed out after 300s waiting for WaitingConfirmation (last finished: Check at ${at(10)})`,
    );
  });

  it('names the flow step after a failure (Rollback) and respects a late report after Unknown', () => {
    const failedUpgrade: ActionStatus = {
      action: 'Upgrade',
      status: 'False',
      reason: 'exit 1',
      time: at(50),
    };
    const rb = run(
      [entry('a', 'InProgress', { startTime: at(0), actionFlow: [ok('Check', 10), failedUpgrade] })],
      { now: 400 },
    );
    expect(rb.status.nodeStatus?.[0]?.reason).toBe(
      `timed out after 300s waiting for Rollback (last finished: Upgrade (failed) at ${at(50)})`,
    );
    const timedOutReason = 'timed out after 300s waiting for Upgrade (last finished: Backup at x)';
    const late = run(
      [
        entry('a', 'Successful', {
          reason: timedOutReason,
          actionFlow: [ok('Backup', 20), ok('Upgrade', 500)],
        }),
      ],
      { phase: 'Failure', now: 600 },
    );
    expect(late.status.phase).toBe('Completed');
    expect(late.status.nodeStatus?.[0]?.reason).toBeUndefined();
  });

  it('stays linear and allocation-free on a 10,000-node job that did not change', () => {
    const nodeStatus = Array.from({ length: 10_000 }, (_, i) =>
      i % 2 === 0 ? entry(`n${i}`, 'Successful') : entry(`n${i}`, 'InProgress', { startTime: at(i % 100) }),
    );
    const first = run(nodeStatus, { now: 50 });
    expect(first.status.progress).toBe('5000/10000 done, 0 failed');
    const second = computeJobStatus({
      type: 'nodeupgradejob',
      status: first.status,
      rollout: { failureTolerate: '0.1', timeoutSeconds: 300 },
      now: T0 + 60_000,
    });
    expect(second.changed).toBe(false);
    expect(second.status.nodeStatus).toBe(first.status.nodeStatus);
    expect(second.nextDeadline).toBe(T0 + 301_000); // the earliest start among the running nodes is at(1)
  });
});

describe('computeJobStatus: failureTolerate agrees with cloudcore', () => {
  // The same grid cloudcore's claim-pending.test.ts runs rolloutBlocked over: both follow
  // exceedsFailureTolerate from @kedge/api, so the job fails exactly when no node may start.
  const TOLERATES = [
    '0',
    '0.1',
    '0.2',
    '0.25',
    '0.29',
    '0.3',
    '0.333333333333333333',
    '0.34',
    '.5',
    '0.7',
    '1',
  ];
  const overExactly = (failed: number, total: number, tolerate: string): boolean => {
    const [whole = '0', fraction = ''] = tolerate.split('.');
    return (
      BigInt(failed) * 10n ** BigInt(fraction.length) > BigInt(`${whole || '0'}${fraction}`) * BigInt(total)
    );
  };

  it('fails the job at 1 of 3 failed with failureTolerate "0.333333333333333333"', () => {
    const nodes = [
      entry('bad', 'Failure', { startTime: at(1) }),
      entry('a', 'Pending'),
      entry('b', 'Pending'),
    ];
    const out = run(nodes, { rollout: { failureTolerate: '0.333333333333333333' } });
    expect(out.status.phase).toBe('Failure');
    expect(out.status.reason).toContain(
      '1 of 3 nodes failed, more than failureTolerate 0.333333333333333333',
    );
  });

  it('stops the rollout exactly when failed / total exceeds the tolerate, over every (failed, total, tolerate) up to 40 nodes', () => {
    const disagreements: string[] = [];
    for (const failureTolerate of TOLERATES) {
      for (let total = 1; total <= 40; total++) {
        for (let failed = 1; failed < total; failed++) {
          const nodes = [
            ...Array.from({ length: failed }, (_, i) => entry(`f${i}`, 'Failure', { startTime: at(1) })),
            ...Array.from({ length: total - failed }, (_, i) => entry(`p${i}`, 'Pending')),
          ];
          const stopped = run(nodes, { rollout: { failureTolerate } }).status.phase === 'Failure';
          if (stopped !== overExactly(failed, total, failureTolerate))
            disagreements.push(`${failed}/${total} vs ${failureTolerate}`);
        }
      }
    }
    expect(disagreements).toEqual([]);
  });
});
