import type { ConfigUpdateJob, NodeTaskEntry } from '@kedge/api';
import { describe, expect, it } from 'vitest';
import { EntryIndex } from './entry-index.ts';

function job(entries: NodeTaskEntry[]): ConfigUpdateJob {
  return {
    apiVersion: 'operations.kubeedge.io/v1alpha2',
    kind: 'ConfigUpdateJob',
    metadata: { name: 'cfg', uid: 'u' },
    spec: { updateFields: { a: 'b' }, nodeNames: entries.map((e) => e.nodeName) },
    status: { phase: 'InProgress', nodeStatus: entries },
  };
}

describe('EntryIndex', () => {
  it("finds a node's entry, the same object the job holds, and nothing for a stranger", () => {
    const j = job([
      { nodeName: 'a', phase: 'Pending' },
      { nodeName: 'b', phase: 'InProgress' },
    ]);
    const index = new EntryIndex(j);
    expect(index.get('b')).toBe(j.status?.nodeStatus?.[1]);
    expect(index.get('ghost')).toBeUndefined();
  });

  it('follows a change that replaced or reordered the entry list', () => {
    const j = job([
      { nodeName: 'a', phase: 'Pending' },
      { nodeName: 'b', phase: 'Pending' },
    ]);
    const index = new EntryIndex(j);
    expect(index.get('a')?.nodeName).toBe('a');
    const status = j.status!;
    status.nodeStatus = [{ nodeName: 'c', phase: 'Pending' }, ...(status.nodeStatus ?? [])];
    expect(index.get('c')).toBe(status.nodeStatus[0]);
    status.nodeStatus.reverse();
    expect(index.get('a')).toBe(status.nodeStatus.find((e) => e.nodeName === 'a'));
  });
});
