import { describe, expect, it } from 'vitest';
import { registerContent } from './register-content.ts';

describe('registerContent', () => {
  it('labels the node with its name as kubernetes.io/hostname, like kubelet', () => {
    const content = registerContent('v1.0.0', { site: 'north' }, { nodeName: 'Edge-1' });
    expect(content.labels).toMatchObject({
      site: 'north',
      'kubernetes.io/hostname': 'edge-1',
      'kubernetes.io/os': 'linux',
    });
  });

  it('reports allocatable pods so kube-scheduler can place pods on the node', () => {
    expect(registerContent('v1.0.0', {}).allocatable).toMatchObject({ pods: '110' });
  });
});
