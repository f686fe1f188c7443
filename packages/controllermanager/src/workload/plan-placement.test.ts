import { describe, expect, it } from 'vitest';
import { planPlacement } from './plan-placement.ts';
import { node, pod } from './workload-fixtures.ts';

const three = () => [node('n1'), node('n2'), node('n3')];

describe('planPlacement: filters', () => {
  it('binds only to Ready, schedulable edge nodes', () => {
    const nodes = [
      node('a-notready', { ready: 'False' }),
      { ...node('b-cordoned'), spec: { unschedulable: true } },
      { ...node('c-cloud'), metadata: { name: 'c-cloud', labels: {} } },
      node('d-ok'),
    ];
    expect(planPlacement(pod('p'), nodes, [])).toEqual({ type: 'bind', nodeName: 'd-ok' });
    expect(planPlacement(pod('p'), nodes.slice(0, 3), [])).toEqual({
      type: 'unschedulable',
      message:
        '0/3 nodes are available: 1 node(s) were not Ready, 1 node(s) were not edge nodes, 1 node(s) were unschedulable.',
    });
  });

  it('honours nodeSelector', () => {
    const nodes = [node('n1', { labels: { zone: 'a' } }), node('n2', { labels: { zone: 'b' } })];
    expect(planPlacement(pod('p', { spec: { nodeSelector: { zone: 'b' } } }), nodes, [])).toEqual({
      type: 'bind',
      nodeName: 'n2',
    });
    expect(planPlacement(pod('p', { spec: { nodeSelector: { zone: 'c' } } }), nodes, [])).toEqual({
      type: 'unschedulable',
      message: "0/2 nodes are available: 2 node(s) didn't match Pod's node affinity/selector.",
    });
  });

  const affinity = (operator: string, values?: string[], key = 'cores') => ({
    affinity: {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [{ matchExpressions: [{ key, operator, ...(values ? { values } : {}) }] }],
        },
      },
    },
  });
  const labelled = () => [
    node('n1', { labels: { cores: '2', gpu: 'yes' } }),
    node('n2', { labels: { cores: '8' } }),
  ];
  it.each([
    ['In', ['8'], 'cores', 'n2'],
    ['NotIn', ['2'], 'cores', 'n2'],
    ['Exists', undefined, 'gpu', 'n1'],
    ['DoesNotExist', undefined, 'gpu', 'n2'],
    ['Gt', ['4'], 'cores', 'n2'],
    ['Lt', ['4'], 'cores', 'n1'],
  ])('required node affinity %s %j on %s -> %s', (op, values, key, expected) => {
    const p = pod('p', { spec: affinity(op, values, key) as never });
    expect(planPlacement(p, labelled(), [])).toEqual({ type: 'bind', nodeName: expected });
  });

  it('Gt with a non-integer label or value matches no node', () => {
    const p = pod('p', { spec: affinity('Gt', ['many']) as never });
    expect(planPlacement(p, labelled(), []).type).toBe('unschedulable');
  });

  it('matchFields metadata.name selects a node by name; terms are ORed', () => {
    const p = pod('p', {
      spec: {
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [
                { matchExpressions: [{ key: 'cores', operator: 'In', values: ['99'] }] },
                { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n3'] }] },
              ],
            },
          },
        },
      },
    });
    expect(planPlacement(p, three(), [])).toEqual({ type: 'bind', nodeName: 'n3' });
  });

  it('keeps off NoSchedule and NoExecute taints unless tolerated; PreferNoSchedule does not block', () => {
    const nodes = [
      node('n1', { taints: [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }] }),
      node('n2', { taints: [{ key: 'flaky', effect: 'NoExecute' }] }),
      node('n3', { taints: [{ key: 'meh', effect: 'PreferNoSchedule' }] }),
    ];
    expect(planPlacement(pod('p'), nodes, [])).toEqual({ type: 'bind', nodeName: 'n3' });
    expect(planPlacement(pod('p'), nodes.slice(0, 2), [])).toEqual({
      type: 'unschedulable',
      message:
        '0/2 nodes are available: 1 node(s) had untolerated taint {dedicated: db}, 1 node(s) had untolerated taint {flaky: }.',
    });
    const tolerant = pod('p', {
      spec: { tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'db', effect: 'NoSchedule' }] },
    });
    expect(planPlacement(tolerant, nodes.slice(0, 2), [])).toEqual({ type: 'bind', nodeName: 'n1' });
    const everything = pod('p', { spec: { tolerations: [{ operator: 'Exists' }] } });
    expect(planPlacement(everything, nodes.slice(1, 2), [])).toEqual({ type: 'bind', nodeName: 'n2' });
  });

  it('checks requests against allocatable minus what bound pods request, with the scheduler message', () => {
    const nodes = [1, 2, 3].map((i) =>
      node(`n${i}`, { allocatable: { cpu: '2', memory: '1Gi', pods: '10' } }),
    );
    const big = pod('p', { requests: { memory: '2Gi' } });
    expect(planPlacement(big, nodes, [])).toEqual({
      type: 'unschedulable',
      message: '0/3 nodes are available: 3 Insufficient memory.',
    });
    const half = (name: string, n: string) =>
      pod(name, { node: n, requests: { cpu: '1500m', memory: '512Mi' } });
    const busy = [half('a', 'n1'), half('b', 'n2')];
    expect(planPlacement(pod('p', { requests: { cpu: '1', memory: '512Mi' } }), nodes, busy)).toEqual({
      type: 'bind',
      nodeName: 'n3',
    });
    expect(
      planPlacement(pod('p', { requests: { cpu: '1', memory: '600Mi' } }), nodes, [...busy, half('c', 'n3')]),
    ).toEqual({
      type: 'unschedulable',
      message: '0/3 nodes are available: 3 Insufficient cpu, 3 Insufficient memory.',
    });
    expect(planPlacement(pod('p', { requests: { 'example.com/gpu': '1' } }), nodes, []).type).toBe(
      'unschedulable',
    );
  });

  it('uses limits as requests when a container sets only limits', () => {
    const nodes = [node('n1', { allocatable: { cpu: '1', memory: '1Gi' } })];
    const p = pod('p', {
      spec: { containers: [{ name: 'c', image: 'x', resources: { limits: { cpu: '2' } } }] },
    });
    expect(planPlacement(p, nodes, [])).toMatchObject({
      type: 'unschedulable',
      message: '0/1 nodes are available: 1 Insufficient cpu.',
    });
  });

  it('treats a node without status.allocatable as unlimited in cpu and memory but limited to 110 pods', () => {
    const huge = pod('p', { requests: { cpu: '64', memory: '1Ti' } });
    expect(planPlacement(huge, [node('n1')], [])).toEqual({ type: 'bind', nodeName: 'n1' });
    const full = Array.from({ length: 110 }, (_, i) => pod(`x${i}`, { node: 'n1' }));
    expect(planPlacement(pod('p'), [node('n1')], full)).toEqual({
      type: 'unschedulable',
      message: '0/1 nodes are available: 1 Too many pods.',
    });
  });

  it('says so when there are no nodes at all', () => {
    expect(planPlacement(pod('p'), [], [])).toEqual({
      type: 'unschedulable',
      message: 'no nodes available to schedule pods',
    });
  });
});

describe('planPlacement: spreading', () => {
  it('puts pods of one owner on different nodes before doubling up', () => {
    const bound = [pod('a', { node: 'n1', owner: 'rs1' }), pod('b', { node: 'n2', owner: 'rs1' })];
    expect(planPlacement(pod('c', { owner: 'rs1' }), three(), bound)).toEqual({
      type: 'bind',
      nodeName: 'n3',
    });
  });

  it('then prefers the least loaded node', () => {
    const bound = [pod('a', { node: 'n1' }), pod('b', { node: 'n1' }), pod('c', { node: 'n3' })];
    expect(planPlacement(pod('d'), three(), bound)).toEqual({ type: 'bind', nodeName: 'n2' });
  });

  it('spreads own pods even over a node busier with others', () => {
    const bound = [
      pod('a', { node: 'n1', owner: 'rs1' }),
      pod('x', { node: 'n2' }),
      pod('y', { node: 'n2' }),
    ];
    expect(planPlacement(pod('c', { owner: 'rs1' }), three().slice(0, 2), bound)).toEqual({
      type: 'bind',
      nodeName: 'n2',
    });
  });
});
