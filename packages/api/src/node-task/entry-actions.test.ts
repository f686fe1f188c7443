import { describe, expect, it } from 'vitest';
import type { ResourceOf } from '../kinds.ts';
import type { ActionStatus } from '../resources/node-task-common.ts';
import {
  awaitsConfirmation,
  confirmationGiven,
  confirmedNodes,
  expectedAction,
  isWaitingForConfirmation,
} from './entry-actions.ts';

const at = '2025-05-28T08:00:00Z';
const did = (action: ActionStatus['action'], ok = true): ActionStatus => ({
  action,
  status: ok ? 'True' : 'False',
  time: at,
});

function upgrade(requireConfirmation: boolean, confirm?: string): ResourceOf<'NodeUpgradeJob'> {
  return {
    apiVersion: 'operations.kubeedge.io/v1alpha2',
    kind: 'NodeUpgradeJob',
    metadata: {
      name: 'up',
      ...(confirm !== undefined ? { annotations: { 'operations.kedge.io/confirm': confirm } } : {}),
    },
    spec: { version: 'v1.21.0', nodeNames: ['a', 'b'], requireConfirmation },
  };
}

describe('expectedAction', () => {
  it('is the first action before any, the successor of the last after, and nothing once the flow ended', () => {
    const entry = (actionFlow: ActionStatus[]) => ({
      nodeName: 'a',
      phase: 'InProgress' as const,
      actionFlow,
    });
    expect(expectedAction('nodeupgradejob', entry([]))).toBe('Check');
    expect(expectedAction('nodeupgradejob', entry([did('Check')]))).toBe('WaitingConfirmation');
    expect(
      expectedAction(
        'nodeupgradejob',
        entry([did('Check'), did('WaitingConfirmation'), did('Backup'), did('Upgrade', false)]),
      ),
    ).toBe('Rollback');
    expect(expectedAction('imageprepulljob', entry([did('Check')]))).toBe('PrePull');
    expect(expectedAction('imageprepulljob', entry([did('Check'), did('PrePull')]))).toBeUndefined();
  });
});

describe('confirmation', () => {
  const passedCheck = { nodeName: 'a', phase: 'InProgress' as const, actionFlow: [did('Check')] };

  it('waits only on an InProgress upgrade that requires it, right after Check succeeded', () => {
    expect(isWaitingForConfirmation(upgrade(true), passedCheck)).toBe(true);
    expect(isWaitingForConfirmation(upgrade(false), passedCheck)).toBe(false);
    expect(isWaitingForConfirmation(upgrade(true), { ...passedCheck, phase: 'Unknown' })).toBe(false);
    expect(
      isWaitingForConfirmation(upgrade(true), { ...passedCheck, actionFlow: [did('Check', false)] }),
    ).toBe(false);
    expect(awaitsConfirmation('configupdatejob', passedCheck, true)).toBe(false);
  });

  it('reads the confirm annotation: "*" names every node, a list names its nodes', () => {
    expect(confirmationGiven(upgrade(true), 'a')).toBe(false);
    expect(confirmationGiven(upgrade(true, '*'), 'a')).toBe(true);
    expect(confirmationGiven(upgrade(true, ' b , a'), 'a')).toBe(true);
    expect(confirmationGiven(upgrade(true, 'b'), 'a')).toBe(false);
  });

  it('confirmedNodes: "*" anywhere in the list names every node; blanks are ignored', () => {
    expect(confirmedNodes(upgrade(true))).toEqual(new Set());
    expect(confirmedNodes(upgrade(true, ' , '))).toEqual(new Set());
    expect(confirmedNodes(upgrade(true, 'b, a,,'))).toEqual(new Set(['a', 'b']));
    expect(confirmedNodes(upgrade(true, 'b, *'))).toBe('*');
    expect(confirmationGiven(upgrade(true, 'b, *'), 'a')).toBe(true);
  });
});
