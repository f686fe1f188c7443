import { describe, expect, it } from 'vitest';
import type { ResourceOf } from '../kinds.ts';
import type { NodeTaskPhase } from '../resources/node-task-common.ts';
import {
  hasWorkToDispatch,
  isJobFinished,
  isNodeTaskFinal,
  isNodeTaskOpen,
  isRolloutOpen,
  withinFailureTolerance,
} from './job-phase.ts';

function job(phase: 'Init' | 'InProgress' | 'Completed' | 'Failure', nodes: NodeTaskPhase[]) {
  const j: ResourceOf<'ConfigUpdateJob'> = {
    apiVersion: 'operations.kubeedge.io/v1alpha2',
    kind: 'ConfigUpdateJob',
    metadata: { name: 'cfg' },
    spec: { updateFields: { a: 'b' }, nodeNames: nodes.map((_, i) => `n${i}`) },
    status: { phase, nodeStatus: nodes.map((p, i) => ({ nodeName: `n${i}`, phase: p })) },
  };
  return j;
}

describe('phase rules', () => {
  it('calls Completed and Failure jobs finished, Successful and Failure nodes final, Unknown not', () => {
    expect(['Init', 'InProgress', 'Completed', 'Failure', undefined].map(isJobFinished)).toEqual([
      false,
      false,
      true,
      true,
      false,
    ]);
    expect(['Pending', 'InProgress', 'Successful', 'Failure', 'Unknown'].map(isNodeTaskFinal)).toEqual([
      false,
      false,
      true,
      true,
      false,
    ]);
    expect(['Pending', 'InProgress', 'Successful', 'Failure', 'Unknown'].map(isNodeTaskOpen)).toEqual([
      true,
      true,
      false,
      false,
      false,
    ]);
  });

  it('opens the rollout in Init and InProgress only, and dispatches what is running even after it closed', () => {
    expect(isRolloutOpen(job('Init', ['Pending']))).toBe(true);
    expect(isRolloutOpen(job('Failure', ['Pending']))).toBe(false);
    expect(hasWorkToDispatch(job('Init', ['Pending']))).toBe(true);
    expect(hasWorkToDispatch(job('Failure', ['Pending', 'Failure']))).toBe(false);
    expect(hasWorkToDispatch(job('Failure', ['InProgress', 'Failure']))).toBe(true);
    expect(hasWorkToDispatch(job('Completed', ['Successful']))).toBe(false);
  });

  it('counts Failure and Unknown against failureTolerate', () => {
    expect(
      withinFailureTolerance(
        job('InProgress', ['Failure', 'Pending', 'Pending', 'Pending']).status!.nodeStatus!,
        '0.25',
      ),
    ).toBe(true);
    expect(
      withinFailureTolerance(job('InProgress', ['Unknown', 'Failure', 'Pending']).status!.nodeStatus!, '0.5'),
    ).toBe(false);
  });
});
