import { hasCode } from '@kedge/api';
import { describe, expect, it } from 'vitest';
import { evaluateJsonPath, parseJsonPath } from './jsonpath.ts';

const job = {
  metadata: { name: 'up1', labels: { 'kubernetes.io/hostname': 'edge-1', 'a.b': 'dotted' } },
  spec: { nodeNames: ['edge-1', 'edge-2', 'edge-3'] },
  status: {
    phase: 'InProgress',
    nodeStatus: [
      { nodeName: 'edge-1', phase: 'Successful', retries: 0 },
      { nodeName: 'edge-2', phase: 'Failure', retries: 2 },
    ],
    conditions: [
      { type: 'Ready', status: 'True' },
      { type: 'Synced', status: 'False' },
    ],
  },
};

describe('evaluateJsonPath', () => {
  it.each([
    ['.status.phase', ['InProgress']],
    ['{.status.phase}', ['InProgress']],
    ['$.metadata.name', ['up1']],
    ['.spec.nodeNames[1]', ['edge-2']],
    ['.spec.nodeNames[-1]', ['edge-3']],
    ['.spec.nodeNames[7]', []],
    ['.status.nodeStatus[*].nodeName', ['edge-1', 'edge-2']],
    ['.status.nodeStatus.*.phase', ['Successful', 'Failure']],
    [".metadata.labels['kubernetes.io/hostname']", ['edge-1']],
    ['.metadata.labels.a\\.b', ['dotted']],
    ['.status.conditions[?(@.type=="Ready")].status', ['True']],
    ['.status.conditions[?(@.type != "Ready")].type', ['Synced']],
    ['.status.nodeStatus[?(@.retries==2)].nodeName', ['edge-2']],
    ['.status.missing.deeper', []],
  ])('%s', (path, expected) => {
    expect(evaluateJsonPath(job, path)).toEqual(expected);
  });

  it('rejects what it does not understand, naming the expression', () => {
    for (const bad of ['status', '.a[', '.a[1:2]', '..a']) {
      let err: unknown;
      try {
        parseJsonPath(bad);
      } catch (e: unknown) {
        err = e;
      }
      expect(hasCode(err, 'KEDGE_CLI_USAGE'), bad).toBe(true);
      expect((err as Error).message).toContain(JSON.stringify(bad));
    }
  });
});
