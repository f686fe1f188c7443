import { newMessage, type EndpointSlice } from '@kedge/api';
import { describe, expect, it } from 'vitest';
import { FanoutReceipts, endpointNode, fanoutSlices, groupOfNode, holdsVersion } from './fanout-receipts.ts';

function sliceMessage(name: string, resourceVersion: string): ReturnType<typeof newMessage> {
  return newMessage({
    source: 'edgecontroller',
    group: 'resource',
    operation: 'update',
    resource: `default/endpointslice/${name}`,
    content: { metadata: { name, namespace: 'default', uid: `uid-${name}`, resourceVersion } },
  });
}

describe('fanoutSlices', () => {
  it('packs 100 endpoints a slice and spreads them evenly over the groups', () => {
    const slices = fanoutSlices('svc', 'default', 250, 1000, 'hollow');
    expect(slices.map((s) => s.endpoints?.length)).toEqual([100, 100, 50]);
    expect(slices[2]!.metadata.name).toBe('svc-2');
    expect(slices[0]!.metadata.labels?.['kubernetes.io/service-name']).toBe('svc');
    const perGroup = new Map<string, number>();
    slices
      .flatMap((s: EndpointSlice) => s.endpoints ?? [])
      .forEach((e) => {
        const node = Number(e.nodeName!.slice('hollow-'.length));
        const g = groupOfNode(node, 10);
        perGroup.set(g, (perGroup.get(g) ?? 0) + 1);
      });
    expect([...perGroup.values()]).toEqual(Array(10).fill(25));
    const addresses = slices.flatMap((s) => s.endpoints ?? []).map((e) => e.addresses[0]);
    expect(new Set(addresses).size).toBe(250);
  });

  it('puts endpoints on node j mod N when there are more endpoints than nodes', () => {
    expect(endpointNode(1234, 1000)).toBe(234);
  });
});

describe('holdsVersion', () => {
  it('accepts the store version itself or a filtered copy of it, nothing else', () => {
    expect(holdsVersion('41', '41')).toBe(true);
    expect(holdsVersion('41~0123456789ab', '41')).toBe(true);
    expect(holdsVersion('410', '41')).toBe(false);
    expect(holdsVersion('410~0123456789ab', '41')).toBe(false);
    expect(holdsVersion(undefined, '41')).toBe(false);
  });
});

describe('FanoutReceipts', () => {
  it('tracks the last version each node got, bytes and messages since the reset', () => {
    const r = new FanoutReceipts();
    r.record('n1', sliceMessage('svc-0', '5~aaa'), 100, 1_000);
    r.record('n2', sliceMessage('svc-0', '5'), 200, 1_500);
    r.record(
      'n2',
      newMessage({
        source: 'edgecontroller',
        group: 'resource',
        operation: 'update',
        resource: 'default/service/svc',
        content: {},
      }),
      50,
      1_600,
    );
    expect(r.holders('default', 'svc-0', '5', ['n1', 'n2', 'n3'])).toEqual({ count: 2, lastAt: 1_500 });
    expect(r).toMatchObject({ sliceMessages: 2, sliceBytes: 300, allBytes: 350 });
    r.resetCounters();
    r.record('n1', sliceMessage('svc-0', '6~bbb'), 120, 2_000);
    expect(r.holders('default', 'svc-0', '6', ['n1', 'n2'])).toEqual({ count: 1, lastAt: 2_000 });
    expect(r.holders('default', 'svc-0', '5', ['n1', 'n2']).count).toBe(1);
    expect(r.reached('default', 'svc-0', '6')).toBe(1);
    expect(r).toMatchObject({ sliceMessages: 1, sliceBytes: 120, allBytes: 120 });
  });
});
