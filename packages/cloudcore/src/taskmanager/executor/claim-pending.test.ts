import type { ConfigUpdateJob, JobPhase, NodeTaskEntry } from '@kedge/api';
import { describe, expect, it } from 'vitest';
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

// Tolerates where floating point and exact decimals part ways, and ordinary ones.
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

/** failed / total > tolerate in exact rationals, written independently of the code under test. */
function overExactly(failed: number, total: number, tolerate: string): boolean {
  const [whole = '0', fraction = ''] = tolerate.split('.');
  const scale = 10n ** BigInt(fraction.length);
  return BigInt(failed) * scale > BigInt(`${whole || '0'}${fraction}`) * BigInt(total);
}

describe('rolloutBlocked: failureTolerate', () => {
  it('stops starting nodes at 1 of 3 failed with failureTolerate "0.333333333333333333", as controllermanager fails the job', () => {
    const entries: NodeTaskEntry[] = [{ nodeName: 'bad', phase: 'Failure' }, ...pending('a', 'b')];
    expect(rolloutBlocked(job(entries, 5, '0.333333333333333333'))).toBe(
      '1 of 3 nodes failed, over failureTolerate 0.333333333333333333',
    );
    expect(claimPending(job(entries, 5, '0.333333333333333333'), options(['a', 'b'])).value.nodes).toEqual(
      [],
    );
  });

  it('blocks exactly when failed / total exceeds the tolerate, over every (failed, total, tolerate) up to 40 nodes', () => {
    const disagreements: string[] = [];
    for (const tolerate of TOLERATES) {
      for (let total = 1; total <= 40; total++) {
        for (let failed = 0; failed < total; failed++) {
          const entries: NodeTaskEntry[] = [
            ...Array.from({ length: failed }, (_, i): NodeTaskEntry => ({
              nodeName: `f${i}`,
              phase: 'Failure',
            })),
            ...pending(...Array.from({ length: total - failed }, (_, i) => `p${i}`)),
          ];
          const blocked = rolloutBlocked(job(entries, total, tolerate)) !== undefined;
          if (blocked !== overExactly(failed, total, tolerate))
            disagreements.push(`${failed}/${total} vs ${tolerate}`);
        }
      }
    }
    expect(disagreements).toEqual([]);
  });
});
