import { describe, expect, it } from 'vitest';
import type { Node } from '@kedge/api';
import { selectNodes, type NodeLookup } from './select-nodes.ts';

function node(
  name: string,
  opts: { edge?: boolean; ready?: 'True' | 'False' | 'Unknown'; labels?: Record<string, string> } = {},
): Node {
  const labels: Record<string, string> = { ...opts.labels };
  if (opts.edge !== false) labels['node-role.kubernetes.io/edge'] = '';
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels },
    status:
      opts.ready === undefined
        ? { conditions: [{ type: 'Ready', status: 'True' }] }
        : {
            conditions: [
              {
                type: 'Ready',
                status: opts.ready,
                reason: 'EdgeDisconnected',
                message: 'connection closed by peer',
              },
            ],
          },
  };
}

function lookup(nodes: Node[]): NodeLookup {
  const byName = new Map(nodes.map((n) => [n.metadata.name, n]));
  return { get: (name) => byName.get(name), list: () => [...byName.values()] };
}

const fleet = lookup([
  node('edge-a', { labels: { region: 'eu' } }),
  node('edge-b', { labels: { region: 'eu' }, ready: 'False' }),
  node('cloud-1', { edge: false, labels: { region: 'eu' } }),
  node('edge-c', { labels: { region: 'us' } }),
]);

describe('selectNodes', () => {
  it('gives one entry per listed name, in order and without duplicates, each with why it cannot run', () => {
    const selection = selectNodes({ nodeNames: ['edge-c', 'ghost', 'cloud-1', 'edge-b', 'edge-c'] }, fleet);
    expect(selection).toEqual({
      ok: true,
      entries: [
        { nodeName: 'edge-c', phase: 'Pending' },
        { nodeName: 'ghost', phase: 'Failure', reason: 'node ghost does not exist' },
        {
          nodeName: 'cloud-1',
          phase: 'Failure',
          reason: 'node cloud-1 is not an edge node (missing label node-role.kubernetes.io/edge)',
        },
        {
          nodeName: 'edge-b',
          phase: 'Failure',
          reason: 'node edge-b is not Ready: EdgeDisconnected: connection closed by peer',
        },
      ],
    });
  });

  it('selects by label, sorted by name, including non-edge nodes as failures', () => {
    const selection = selectNodes({ labelSelector: { matchLabels: { region: 'eu' } } }, fleet);
    expect(selection.ok && selection.entries.map((e) => [e.nodeName, e.phase])).toEqual([
      ['cloud-1', 'Failure'],
      ['edge-a', 'Pending'],
      ['edge-b', 'Failure'],
    ]);
  });

  it('fails the job, naming the fields, when both or neither selector is set or nothing matches', () => {
    expect(
      selectNodes({ nodeNames: ['edge-a'], labelSelector: { matchLabels: { region: 'eu' } } }, fleet),
    ).toEqual({
      ok: false,
      reason: 'spec.nodeNames and spec.labelSelector are both set; set exactly one of them',
    });
    expect(selectNodes({ nodeNames: [] }, fleet, 'spec.imagePrePullTemplate.')).toEqual({
      ok: false,
      reason:
        'neither spec.imagePrePullTemplate.nodeNames nor spec.imagePrePullTemplate.labelSelector is set; set exactly one of them',
    });
    expect(selectNodes({ labelSelector: { matchLabels: { region: 'mars' } } }, fleet)).toEqual({
      ok: false,
      reason: 'no nodes matched spec.labelSelector "region=mars"',
    });
    const bad = selectNodes(
      { labelSelector: { matchExpressions: [{ key: 'region', operator: 'In' }] } },
      fleet,
    );
    expect(bad).toEqual({
      ok: false,
      reason: 'spec.labelSelector: matchExpressions[0].values: must be non-empty for In and NotIn',
    });
  });

  it('explains a node that never reported its status', () => {
    const silent: Node = {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'new', labels: { 'node-role.kubernetes.io/edge': '' } },
    };
    expect(selectNodes({ nodeNames: ['new'] }, lookup([silent]))).toEqual({
      ok: true,
      entries: [
        {
          nodeName: 'new',
          phase: 'Failure',
          reason: 'node new is not Ready: it has never reported its status',
        },
      ],
    });
  });
});
