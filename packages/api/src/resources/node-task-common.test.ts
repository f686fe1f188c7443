import { describe, expect, it } from 'vitest';
import {
  ActionName,
  ActionNameSchema,
  nodeTaskDefaults,
  nodeTaskFinalizer,
  normalizeActionName,
} from './node-task-common.ts';
import { countNodeTasks, formatProgress } from '../node-task/progress.ts';

describe('action names', () => {
  it.each([
    ['BackUp', 'Backup'],
    ['RollBack', 'Rollback'],
    ['Pull', 'PrePull'],
    ['Update', 'ConfigUpdate'],
  ])("maps KubeEdge's %s to %s", (theirs, ours) => {
    expect(normalizeActionName(theirs)).toBe(ours);
    expect(ActionNameSchema.parse(theirs)).toBe(ours);
  });

  it('keeps our own names and ignores case', () => {
    for (const name of Object.values(ActionName)) expect(normalizeActionName(name)).toBe(name);
    expect(normalizeActionName('waitingconfirmation')).toBe('WaitingConfirmation');
    expect(normalizeActionName('backup')).toBe('Backup');
  });

  it('returns undefined for an unknown action, and the schema rejects it', () => {
    expect(normalizeActionName('Reboot')).toBeUndefined();
    expect(ActionNameSchema.safeParse('Reboot').success).toBe(false);
  });
});

describe('job helpers', () => {
  it('documents the defaults controllermanager applies', () => {
    expect(nodeTaskDefaults).toEqual({ failureTolerate: '0.1', timeoutSeconds: 300, concurrency: 1 });
    expect(Object.isFrozen(nodeTaskDefaults)).toBe(true);
  });

  it('names finalizers as KubeEdge does', () => {
    expect(nodeTaskFinalizer('nodeupgradejob')).toBe('kubeedge.io/nodeupgradejob-controller');
  });

  it('summarizes progress: finished nodes out of all, and how many failed (Unknown counts as failed)', () => {
    const counts = countNodeTasks([
      { phase: 'Successful' },
      { phase: 'Unknown' },
      { phase: 'InProgress' },
      { phase: 'Pending' },
      { phase: 'Failure' },
    ]);
    expect(counts).toEqual({ total: 5, pending: 1, inProgress: 1, successful: 1, failed: 2 });
    expect(formatProgress(counts)).toBe('3/5 done, 2 failed');
    expect(formatProgress(countNodeTasks(undefined))).toBe('0/0 done, 0 failed');
  });
});
