import type { Node } from '@kedge/api';
import { describe, expect, it } from 'vitest';
import { columnsFor, nodeRoles, nodeStatus } from './columns.ts';
import { TableWriter } from './printers.ts';

const now = Date.parse('2025-06-01T12:00:00Z');

function node(patch: Partial<Node> & { name?: string; labels?: Record<string, string> }): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: patch.name ?? 'edge-1',
      labels: patch.labels,
      creationTimestamp: '2025-06-01T11:00:00Z',
    },
    spec: patch.spec,
    status: patch.status,
  };
}

function table(kind: Parameters<typeof columnsFor>[0], objects: unknown[], wide = false): string[] {
  const columns = columnsFor(kind, { wide, namespaceColumn: false, now: () => now });
  return new TableWriter(columns.map((c) => c.header)).format(
    objects.map((o) => columns.map((c) => c.cell(o))),
  );
}

describe('node columns', () => {
  it('STATUS comes from the Ready condition', () => {
    expect(nodeStatus(node({ status: { conditions: [{ type: 'Ready', status: 'True' }] } }))).toBe('Ready');
    expect(nodeStatus(node({ status: { conditions: [{ type: 'Ready', status: 'False' }] } }))).toBe(
      'NotReady',
    );
    expect(nodeStatus(node({ status: { conditions: [{ type: 'Ready', status: 'Unknown' }] } }))).toBe(
      'NotReady',
    );
    expect(nodeStatus(node({}))).toBe('Unknown');
    expect(nodeStatus(node({ spec: { unschedulable: true } }))).toBe('Unknown,SchedulingDisabled');
  });

  it('ROLES come from node-role labels', () => {
    const labels = { 'node-role.kubernetes.io/edge': '', 'node-role.kubernetes.io/agent': '', zone: 'a' };
    expect(nodeRoles(node({ labels }))).toBe('agent,edge');
    expect(nodeRoles(node({ labels: { 'kubernetes.io/role': 'worker' } }))).toBe('worker');
    expect(nodeRoles(node({}))).toBe('<none>');
  });

  it('prints NAME STATUS ROLES AGE VERSION, and more with wide', () => {
    const n = node({
      labels: { 'node-role.kubernetes.io/edge': '' },
      status: {
        conditions: [{ type: 'Ready', status: 'True' }],
        nodeInfo: { kubeletVersion: 'v1.21.0-kedge', osImage: 'Debian 13' },
        addresses: [{ type: 'InternalIP', address: '10.0.0.5' }],
      },
    });
    expect(table('Node', [n, node({ name: 'edge-22' })])).toEqual([
      'NAME      STATUS    ROLES    AGE   VERSION',
      'edge-1    Ready     edge     60m   v1.21.0-kedge',
      'edge-22   Unknown   <none>   60m',
    ]);
    expect(table('Node', [n], true)[1]).toBe(
      'edge-1   Ready    edge    60m   v1.21.0-kedge   10.0.0.5      <none>        Debian 13   <unknown>        <unknown>',
    );
  });
});

describe('printer columns of other kinds', () => {
  const job = {
    metadata: { name: 'up1', creationTimestamp: '2025-06-01T11:58:00Z' },
    spec: { version: 'v1.21.1' },
    status: { phase: 'Failure', progress: '3/3 (1 failed)', reason: 'node edge-2: disk full' },
  };

  it('show NAME, the kind columns without priority, and one AGE', () => {
    expect(
      table('NodeUpgradeJob', [job, { metadata: { name: 'up2' }, spec: { version: 'v1.21.2' } }]),
    ).toEqual([
      'NAME   VERSION   PHASE     PROGRESS         AGE',
      'up1    v1.21.1   Failure   3/3 (1 failed)   2m',
      'up2    v1.21.2   <none>    <none>           <none>',
    ]);
  });

  it('add priority columns with wide', () => {
    expect(table('NodeUpgradeJob', [job], true)[0]).toBe(
      'NAME   VERSION   PHASE     PROGRESS         REASON                   AGE',
    );
  });
});

describe('TableWriter', () => {
  it('keeps the widths of its first batch and widens only when a later cell does not fit', () => {
    const t = new TableWriter(['NAME', 'STATUS']);
    expect(t.format([['a', 'Ready']])).toEqual(['NAME   STATUS', 'a      Ready']);
    expect(t.format([['b', 'NotReady']])).toEqual(['b      NotReady']);
    expect(t.format([['longer-name', 'x']])).toEqual(['longer-name   x']);
  });
});
