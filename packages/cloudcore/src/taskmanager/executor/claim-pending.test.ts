import type { ConfigUpdateJob, JobPhase } from '@kedge/api';
import { describe, expect, it } from 'vitest';
import type { NodeTaskEntry } from '../node-task-jobs.ts';
import { claimPending, rolloutBlocked } from './claim-pending.ts';

function job(
  entries: NodeTaskEntry[],
  concurrency: number,
  failureTolerate = '0.1',
  phase: JobPhase = 'InProgress',
) {
  const j: ConfigUpdateJob = {
    apiVersion: 'operations.kubeedge.io/v1alpha2',
    kind: 'ConfigUpdateJob',
    metadata: { name: 'cfg', uid: 'u' },
    spec: {
      updateFields: { a: 'b' },
      nodeNames: entries.map((e) => e.nodeName),
      concurrency,
      failureTolerate,
    },
    status: { phase, nodeStatus: entries },
  };
  return j;
}

const pending = (...names: string[]): NodeTaskEntry[] =>
  names.map((nodeName) => ({ nodeName, phase: 'Pending' }));
const options = (connected: string[]) => ({
  replicaId: 'r1',
  now: '2025-05-28T08:00:00Z',
  connectedHere: (n: string) => connected.includes(n),
});

describe('claimPending', () => {
  it('claims connected Pending nodes up to the free slots, in entry order', () => {
    const j = job(
      [{ nodeName: 'busy', phase: 'InProgress', dispatchedBy: 'r2' }, ...pending('a', 'b', 'c')],
      3,
    );
    const { changed, value } = claimPending(j, options(['a', 'c', 'b']));
    expect(changed).toBe(true);
    expect(value.nodes).toEqual(['a', 'b']);
    expect(j.status?.nodeStatus?.[1]).toEqual({
      nodeName: 'a',
      phase: 'InProgress',
      startTime: '2025-05-28T08:00:00Z',
      dispatchedBy: 'r1',
    });
    expect(j.status?.nodeStatus?.[3]?.phase).toBe('Pending');
  });

  it('skips nodes that are not connected here without touching them', () => {
    const j = job([...pending('elsewhere', 'here')], 1);
    expect(claimPending(j, options(['here'])).value.nodes).toEqual(['here']);
    expect(j.status?.nodeStatus?.[0]).toEqual({ nodeName: 'elsewhere', phase: 'Pending' });
  });

  it('does not count Unknown (timed out) entries against concurrency, but against the failure ratio', () => {
    const timedOut: NodeTaskEntry = { nodeName: 'late', phase: 'Unknown' };
    expect(
      claimPending(job([timedOut, ...pending('a', 'b', 'c')], 1, '0.25'), options(['a'])).value.nodes,
    ).toEqual(['a']);
    const blocked = job([timedOut, ...pending('a', 'b', 'c')], 1, '0.2');
    expect(rolloutBlocked(blocked)).toBe('1 of 4 nodes failed, over failureTolerate 0.2');
    expect(claimPending(blocked, options(['a'])).changed).toBe(false);
  });

  it('starts nothing once the job is finished or full', () => {
    expect(rolloutBlocked(job(pending('a'), 1, '0.1', 'Completed'))).toBe('job phase is Completed');
    expect(rolloutBlocked(job([{ nodeName: 'x', phase: 'InProgress' }, ...pending('a')], 1))).toBe(
      '1 nodes in progress (concurrency 1)',
    );
    expect(rolloutBlocked(job(pending('a'), 1, '0.1', 'Init'))).toBeUndefined();
  });
});
