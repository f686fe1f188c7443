import { describe, expect, it } from 'vitest';
import { planEviction } from './plan-eviction.ts';
import { node, pod, T0 } from './workload-fixtures.ts';

const GRACE = 300_000;
const names = (plan: ReturnType<typeof planEviction>) => plan.evict.map((e) => e.pod.metadata.name);

describe('planEviction (fake clock)', () => {
  it('evicts pods of a deleted node at once, with the reason', () => {
    const pods = [pod('a', { node: 'gone' }), pod('b', { node: 'n1' })];
    const plan = planEviction(pods, [node('n1')], T0, GRACE, new Set(['gone']));
    expect(plan.evict.map((e) => [e.pod.metadata.name, e.reason])).toEqual([['a', 'node gone was deleted']]);
  });

  it('gives a pod bound to a node never seen 40 s from its creation (the node may be registering)', () => {
    const young = { ...pod('a', { node: 'soon' }) };
    young.metadata = {
      ...young.metadata,
      creationTimestamp: new Date(T0).toISOString().replace(/\.\d+Z$/, 'Z'),
    };
    const early = planEviction([young], [], T0 + 10_000, GRACE);
    expect(early).toEqual({ evict: [], nextCheckInMs: 30_000 });
    expect(planEviction([young], [], T0 + 40_000, GRACE).evict.map((e) => e.reason)).toEqual([
      'node soon does not exist',
    ]);
  });
  it('leaves pods on a NotReady node for the grace period, then evicts them', () => {
    const nodes = [node('n1', { ready: 'False', since: T0 })];
    const pods = [pod('a', { node: 'n1' })];
    const early = planEviction(pods, nodes, T0 + 299_000, GRACE);
    expect(early.evict).toEqual([]);
    expect(early.nextCheckInMs).toBe(1000);
    const late = planEviction(pods, nodes, T0 + 300_000, GRACE);
    expect(late.evict.map((e) => e.reason)).toEqual(['node n1 is NotReady for longer than 300 s']);
  });

  it('treats Unknown like NotReady (an unreachable node)', () => {
    const plan = planEviction(
      [pod('a', { node: 'n1' })],
      [node('n1', { ready: 'Unknown', since: T0 })],
      T0 + GRACE,
      GRACE,
    );
    expect(plan.evict.map((e) => e.reason)).toEqual(['node n1 is Unknown for longer than 300 s']);
  });

  it("uses the pod's own not-ready toleration instead of the default", () => {
    const nodes = [node('n1', { ready: 'False', since: T0 })];
    const quick = pod('quick', {
      node: 'n1',
      spec: {
        tolerations: [
          {
            key: 'node.kubernetes.io/not-ready',
            operator: 'Exists',
            effect: 'NoExecute',
            tolerationSeconds: 10,
          },
        ],
      },
    });
    const forever = pod('forever', {
      node: 'n1',
      spec: {
        tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' }],
      },
    });
    expect(names(planEviction([quick, forever], nodes, T0 + 10_000, GRACE))).toEqual(['quick']);
    expect(names(planEviction([forever], nodes, T0 + 10 * GRACE, GRACE))).toEqual([]);
  });

  it('evicts pods that do not tolerate a NoExecute taint; tolerated ones after tolerationSeconds from timeAdded', () => {
    const added = new Date(T0).toISOString();
    const nodes = [node('n1', { taints: [{ key: 'maintenance', effect: 'NoExecute', timeAdded: added }] })];
    const plain = pod('plain', { node: 'n1' });
    const patient = pod('patient', {
      node: 'n1',
      spec: {
        tolerations: [{ key: 'maintenance', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 60 }],
      },
    });
    const at30 = planEviction([plain, patient], nodes, T0 + 30_000, GRACE);
    expect(names(at30)).toEqual(['plain']);
    expect(at30.nextCheckInMs).toBe(30_000);
    expect(names(planEviction([patient], nodes, T0 + 60_000, GRACE))).toEqual(['patient']);
  });

  it('ignores unbound, terminal and Ready-node pods', () => {
    const done = { ...pod('done', { node: 'gone' }), status: { phase: 'Succeeded' as const } };
    expect(
      planEviction([pod('unbound'), done, pod('ok', { node: 'n1' })], [node('n1')], T0, GRACE).evict,
    ).toEqual([]);
  });
});
