import { describe, expect, it } from 'vitest';
import { nodeTaskResource, parseEdgeResource, parseNodeTaskResource } from './routes.ts';

describe('node task resource strings', () => {
  it('builds the KubeEdge route and parses it back', () => {
    const r = nodeTaskResource('nodeupgradejob', 'upgrade-v121', 'edge-1');
    expect(r).toBe('operations.kubeedge.io/v1alpha2/nodeupgradejob/upgrade-v121/node/edge-1');
    expect(parseNodeTaskResource(r)).toEqual({
      taskType: 'nodeupgradejob',
      job: 'upgrade-v121',
      node: 'edge-1',
    });
  });

  it.each([
    ['five parts', 'operations.kubeedge.io/v1alpha2/nodeupgradejob/job/node'],
    ['seven parts', 'operations.kubeedge.io/v1alpha2/nodeupgradejob/job/node/edge-1/extra'],
    ['another group', 'apps.kubeedge.io/v1alpha2/nodeupgradejob/job/node/edge-1'],
    ['v1alpha1 prefix', 'operations.kubeedge.io/v1alpha1/nodeupgradejob/job/node/edge-1'],
    ['no "node" literal', 'operations.kubeedge.io/v1alpha2/nodeupgradejob/job/nodes/edge-1'],
    ['empty node', 'operations.kubeedge.io/v1alpha2/nodeupgradejob/job/node/'],
    ['empty job', 'operations.kubeedge.io/v1alpha2/nodeupgradejob//node/edge-1'],
  ])('rejects %s', (_what, resource) => {
    expect(parseNodeTaskResource(resource)).toBeUndefined();
  });
});

describe('edge resource strings', () => {
  it('parses <ns>/<type>/<name> and <ns>/<type>', () => {
    expect(parseEdgeResource('default/pod/web')).toEqual({ namespace: 'default', type: 'pod', name: 'web' });
    expect(parseEdgeResource('default/pod')).toEqual({ namespace: 'default', type: 'pod', name: undefined });
    expect(parseEdgeResource('default')).toBeUndefined();
    expect(parseEdgeResource('a/b/c/d')).toBeUndefined();
  });
});
