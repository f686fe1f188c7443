import type { Pod, Service } from '@kedge/api';
import { describe, expect, it } from 'vitest';
import { planEndpointSlice } from './plan-endpoint-slice.ts';
import { allocateClusterIP, inCidr } from './cluster-ip.ts';

const svc: Service = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'web', namespace: 'shop', uid: 'svc-uid' },
  spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
};

function pod(
  name: string,
  o: { ip?: string; node?: string; ready?: boolean; app?: string; ns?: string },
): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: o.ns ?? 'shop', uid: `${name}-uid`, labels: { app: o.app ?? 'web' } },
    spec: {
      ...(o.node ? { nodeName: o.node } : {}),
      containers: [{ name: 'c', image: 'x', ports: [{ name: 'http', containerPort: 8080 }] }],
    },
    status: {
      phase: 'Running',
      ...(o.ip ? { podIP: o.ip } : {}),
      conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True' }],
    },
  } as Pod;
}

describe('planEndpointSlice', () => {
  it('lists the selected pods with an IP, their node and readiness, and resolves a named target port', () => {
    const slice = planEndpointSlice(svc, [
      pod('web-b', { ip: '10.244.2.5', node: 'edge-2', ready: false }),
      pod('web-a', { ip: '10.244.1.5', node: 'edge-1' }),
      pod('no-ip', { node: 'edge-1' }),
      pod('other-app', { ip: '10.244.1.6', node: 'edge-1', app: 'db' }),
      pod('other-ns', { ip: '10.244.1.7', node: 'edge-1', ns: 'default' }),
    ]);
    expect(slice.metadata.name).toBe('web');
    expect(slice.metadata.labels?.['kubernetes.io/service-name']).toBe('web');
    expect(slice.metadata.ownerReferences?.[0]?.uid).toBe('svc-uid');
    expect(slice.ports).toEqual([{ name: 'http', port: 8080, protocol: 'TCP' }]);
    expect(slice.endpoints?.map((e) => [e.addresses[0], e.nodeName, e.conditions?.ready])).toEqual([
      ['10.244.1.5', 'edge-1', true],
      ['10.244.2.5', 'edge-2', false],
    ]);
  });
});

describe('allocateClusterIP', () => {
  it('hands out the lowest free address of the CIDR after .0 and .1', () => {
    expect(allocateClusterIP('10.96.0.0/16', new Set())).toBe('10.96.0.2');
    expect(allocateClusterIP('10.96.0.0/16', new Set(['10.96.0.2', '10.96.0.3']))).toBe('10.96.0.4');
    expect(inCidr('10.96.255.1', '10.96.0.0/16')).toBe(true);
    expect(inCidr('10.97.0.1', '10.96.0.0/16')).toBe(false);
  });

  it('refuses with KEDGE_SERVICE_IP_EXHAUSTED when the CIDR is full', () => {
    const used = new Set(['10.96.0.2']);
    expect(() => allocateClusterIP('10.96.0.0/30', used)).toThrow(
      expect.objectContaining({ code: 'KEDGE_SERVICE_IP_EXHAUSTED' }),
    );
  });
});
