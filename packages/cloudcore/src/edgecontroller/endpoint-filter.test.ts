import type { EndpointSlice, Service } from '@kedge/api';
import { describe, expect, it } from 'vitest';
import { sameFilteredView, sliceForNode, type GroupOf } from './endpoint-filter.ts';

const groups: Record<string, string> = { 'a-1': 'a', 'a-2': 'a', 'b-1': 'b', 'b-2': 'b' };
const groupOf: GroupOf = (n) => groups[n];

function service(annotations?: Record<string, string>): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web', namespace: 'shop', ...(annotations ? { annotations } : {}) },
    spec: { selector: { app: 'web' }, ports: [{ port: 80 }] },
  };
}

const slice: EndpointSlice = {
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: {
    name: 'web',
    namespace: 'shop',
    uid: 'slice-uid',
    resourceVersion: '42',
    labels: { 'kubernetes.io/service-name': 'web' },
  },
  addressType: 'IPv4',
  endpoints: [
    { addresses: ['10.244.1.2'], nodeName: 'a-1' },
    { addresses: ['10.244.2.2'], nodeName: 'a-2' },
    { addresses: ['10.244.3.2'], nodeName: 'b-1' },
    { addresses: ['10.244.4.2'], nodeName: 'b-2' },
    { addresses: ['10.244.9.9'] },
    { addresses: ['10.244.5.2'], nodeName: 'loner' },
  ],
  ports: [{ port: 8080 }],
};

const ranged = service({ 'apps.kubeedge.io/service-topology': 'range-nodegroup' });
const ips = (s: EndpointSlice) => (s.endpoints ?? []).map((e) => e.addresses[0]);

describe('sliceForNode (range-nodegroup filter)', () => {
  it("keeps only the endpoints on nodes of the receiving node's group; endpoints without a node are dropped", () => {
    expect(ips(sliceForNode(slice, ranged, 'a-2', groupOf).object)).toEqual(['10.244.1.2', '10.244.2.2']);
    expect(ips(sliceForNode(slice, ranged, 'b-1', groupOf).object)).toEqual(['10.244.3.2', '10.244.4.2']);
  });

  it('a node in no group gets no endpoints', () => {
    expect(ips(sliceForNode(slice, ranged, 'loner', groupOf).object)).toEqual([]);
  });

  it('leaves slices of Services without the annotation (or with another value, or none at all) as they are', () => {
    for (const svc of [service(), service({ 'apps.kubeedge.io/service-topology': 'other' }), undefined]) {
      const seen = sliceForNode(slice, svc, 'a-1', groupOf);
      expect(seen.object).toBe(slice);
      expect(seen.resourceVersion).toBe('42');
    }
  });

  it('gives a filtered slice a version that changes when the kept endpoints change, and only then', () => {
    const a = sliceForNode(slice, ranged, 'a-1', groupOf);
    expect(a.resourceVersion).toMatch(/^42~[0-9a-f]{12}$/);
    expect(a.object.metadata.resourceVersion).toBe(a.resourceVersion);
    expect(sliceForNode(slice, ranged, 'a-2', groupOf).resourceVersion).toBe(a.resourceVersion);
    // b-1 moves to group a: a's members now see three endpoints, under a new version.
    const moved: GroupOf = (n) => (n === 'b-1' ? 'a' : groups[n]);
    const after = sliceForNode(slice, ranged, 'a-1', moved);
    expect(ips(after.object)).toEqual(['10.244.1.2', '10.244.2.2', '10.244.3.2']);
    expect(after.resourceVersion).not.toBe(a.resourceVersion);
  });

  it('keeps the view of a group whose endpoints did not change when the slice changes elsewhere', () => {
    const before = sliceForNode(slice, ranged, 'a-1', groupOf).resourceVersion;
    const eps = (slice.endpoints ?? []).map((e) =>
      e.nodeName === 'b-2' ? { ...e, conditions: { ready: false } } : e,
    );
    const changed = { ...slice, metadata: { ...slice.metadata, resourceVersion: '43' }, endpoints: eps };
    const a = sliceForNode(changed, ranged, 'a-1', groupOf).resourceVersion;
    const b = sliceForNode(changed, ranged, 'b-1', groupOf).resourceVersion;
    expect(a).toMatch(/^43~/);
    expect(sameFilteredView(a, before)).toBe(true);
    expect(sameFilteredView(b, sliceForNode(slice, ranged, 'b-1', groupOf).resourceVersion)).toBe(false);
    // Ports, labels and annotations are part of the view; the change-trigger timestamp is not.
    const ported = { ...changed, ports: [{ port: 9090 }] };
    expect(sameFilteredView(sliceForNode(ported, ranged, 'a-1', groupOf).resourceVersion, before)).toBe(
      false,
    );
    const triggered = {
      ...changed,
      metadata: {
        ...changed.metadata,
        annotations: { 'endpoints.kubernetes.io/last-change-trigger-time': '2026-12-03T07:00:00Z' },
      },
    };
    expect(sameFilteredView(sliceForNode(triggered, ranged, 'a-1', groupOf).resourceVersion, before)).toBe(
      true,
    );
    expect(sameFilteredView('42', '43')).toBe(false);
  });
});
