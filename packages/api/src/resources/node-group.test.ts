import { describe, expect, it } from 'vitest';
import { validateResource } from '../validate.ts';

describe('NodeGroup', () => {
  it('accepts the release example and its status', () => {
    const group = {
      apiVersion: 'apps.kubeedge.io/v1alpha1',
      kind: 'NodeGroup',
      metadata: { name: 'beijing' },
      spec: { nodes: ['node-1', 'node-2'], matchLabels: { region: 'north' }, topologyEnabled: true },
      status: {
        nodeStatuses: [
          { nodeName: 'node-1', readyStatus: 'Ready', selectionStatus: 'Succeeded' },
          {
            nodeName: 'node-9',
            readyStatus: 'Unknown',
            selectionStatus: 'Failed',
            selectionStatusReason: 'node does not exist',
          },
        ],
      },
    };
    expect(validateResource(group)).toEqual({ kind: 'NodeGroup', object: group });
  });

  it('rejects an unknown selection status', () => {
    const group = {
      apiVersion: 'apps.kubeedge.io/v1alpha1',
      kind: 'NodeGroup',
      metadata: { name: 'beijing' },
      spec: {},
      status: { nodeStatuses: [{ nodeName: 'n', readyStatus: 'Ready', selectionStatus: 'Maybe' }] },
    };
    expect(() => validateResource(group)).toThrow(/status\.nodeStatuses\[0\]\.selectionStatus/);
  });
});
