import type { EndpointSlice, Service } from '@kedge/api';
import { describe, expect, it } from 'vitest';
import { endpointChain, natRules, serviceChain } from './iptables-rules.ts';
import { serviceRoutes } from './service-table.ts';

const svc = (
  name: string,
  clusterIP: string | undefined,
  ports: NonNullable<Service['spec']>['ports'],
): Service => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: 'shop' },
  spec: { ...(clusterIP ? { clusterIP } : {}), ports },
});

const slice = (
  service: string,
  endpoints: EndpointSlice['endpoints'],
  ports: EndpointSlice['ports'],
): EndpointSlice => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { name: `${service}-x`, namespace: 'shop', labels: { 'kubernetes.io/service-name': service } },
  addressType: 'IPv4',
  endpoints,
  ports,
});

describe('serviceRoutes', () => {
  it("maps each Service port to its slices' ready endpoints on the matching named port", () => {
    const routes = serviceRoutes(
      [
        svc('web', '10.96.0.10', [
          { name: 'http', port: 80 },
          { name: 'dns', port: 53, protocol: 'UDP' },
        ]),
        svc('headless', 'None', [{ port: 80 }]),
        svc('pending', undefined, [{ port: 80 }]),
      ],
      [
        slice(
          'web',
          [
            { addresses: ['10.244.1.5'], conditions: { ready: true } },
            { addresses: ['10.244.2.5'] },
            { addresses: ['10.244.3.5'], conditions: { ready: false } },
          ],
          [
            { name: 'http', port: 8080, protocol: 'TCP' },
            { name: 'dns', port: 5353, protocol: 'UDP' },
          ],
        ),
        slice('other', [{ addresses: ['10.244.9.9'] }], [{ name: 'http', port: 1 }]),
      ],
    );
    expect(routes).toEqual([
      {
        id: 'shop/web:dns/udp',
        clusterIP: '10.96.0.10',
        port: 53,
        protocol: 'udp',
        endpoints: ['10.244.1.5:5353', '10.244.2.5:5353'],
      },
      {
        id: 'shop/web:http/tcp',
        clusterIP: '10.96.0.10',
        port: 80,
        protocol: 'tcp',
        endpoints: ['10.244.1.5:8080', '10.244.2.5:8080'],
      },
    ]);
  });
});

describe('natRules', () => {
  const route = {
    id: 'shop/web:80/tcp',
    clusterIP: '10.96.0.10',
    port: 80,
    protocol: 'tcp' as const,
    endpoints: ['10.244.1.5:8080', '10.244.2.5:8080', '10.244.3.5:8080'],
  };

  it('balances evenly: probabilities 1/3, 1/2, then the last endpoint unconditionally', () => {
    const text = natRules([route]);
    const svcRules = text.split('\n').filter((l) => l.startsWith(`-A ${serviceChain(route)} `));
    expect(svcRules).toEqual([
      `-A ${serviceChain(route)} -m statistic --mode random --probability 0.3333333333 -j ${endpointChain(route, '10.244.1.5:8080')}`,
      `-A ${serviceChain(route)} -m statistic --mode random --probability 0.5000000000 -j ${endpointChain(route, '10.244.2.5:8080')}`,
      `-A ${serviceChain(route)} -j ${endpointChain(route, '10.244.3.5:8080')}`,
    ]);
    expect(text).toContain(
      `-A KEDGE-SERVICES -d 10.96.0.10/32 -p tcp -m tcp --dport 80 -m comment --comment "shop/web:80/tcp" -j ${serviceChain(route)}`,
    );
    expect(text).toContain(`-p tcp -m tcp -j DNAT --to-destination 10.244.3.5:8080`);
  });

  it('deletes the chains of endpoints that are gone, and writes no Service chain without endpoints', () => {
    const before = natRules([route]);
    const gone = endpointChain(route, '10.244.3.5:8080');
    const owned = before
      .split('\n')
      .filter((l) => l.startsWith(':KEDGE-S'))
      .map((l) => l.slice(1, l.indexOf(' ')));
    const after = natRules([{ ...route, endpoints: route.endpoints.slice(0, 2) }], owned);
    expect(after).toContain(`-X ${gone}`);
    const empty = natRules([{ ...route, endpoints: [] }], owned);
    expect(empty).toContain(`-X ${serviceChain(route)}`);
    expect(empty).not.toContain('-A KEDGE-SERVICES');
  });
});
