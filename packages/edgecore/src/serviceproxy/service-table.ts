// What the service proxy forwards (pure): from the Services and
// EndpointSlices in the edge cache, each Service port with a cluster IP and
// the ready endpoints (ip:port) the slices of that Service list for it. It
// knows nothing of node groups: the cloud sent this node only what it may
// reach (range-nodegroup slices are filtered before they leave cloudcore).
import { ServiceLabels, type EndpointSlice, type Service } from '@kedge/api';

export interface ServiceRoute {
  /** `<ns>/<service>:<port name or number>/<protocol>`, stable across syncs. */
  id: string;
  clusterIP: string;
  port: number;
  protocol: 'tcp' | 'udp';
  /** `ip:port` of the ready endpoints, sorted. */
  endpoints: string[];
}

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

function hasClusterIP(svc: Service): svc is Service & { spec: { clusterIP: string } } {
  const ip = svc.spec?.clusterIP;
  return typeof ip === 'string' && IPV4.test(ip) && svc.spec?.type !== 'ExternalName';
}

/** The routes of every Service with a cluster IP; protocols other than TCP/UDP are skipped. */
export function serviceRoutes(
  services: readonly Service[],
  slices: readonly EndpointSlice[],
): ServiceRoute[] {
  const routes: ServiceRoute[] = [];
  for (const svc of services) {
    if (!hasClusterIP(svc)) continue;
    const ns = svc.metadata.namespace ?? 'default';
    const own = slices.filter(
      (s) =>
        (s.metadata.namespace ?? 'default') === ns &&
        s.metadata.labels?.[ServiceLabels.serviceName] === svc.metadata.name &&
        s.addressType === 'IPv4',
    );
    for (const port of svc.spec.ports ?? []) {
      const protocol = (port.protocol ?? 'TCP').toLowerCase();
      if (protocol !== 'tcp' && protocol !== 'udp') continue;
      const endpoints = new Set<string>();
      for (const slice of own) {
        const target = (slice.ports ?? []).find(
          (p) => (p.name ?? '') === (port.name ?? '') && (p.protocol ?? 'TCP').toLowerCase() === protocol,
        );
        if (target?.port === undefined) continue;
        for (const e of slice.endpoints ?? []) {
          if (e.conditions?.ready === false) continue;
          for (const ip of e.addresses) if (IPV4.test(ip)) endpoints.add(`${ip}:${target.port}`);
        }
      }
      routes.push({
        id: `${ns}/${svc.metadata.name}:${port.name || String(port.port)}/${protocol}`,
        clusterIP: svc.spec.clusterIP,
        port: port.port,
        protocol,
        endpoints: [...endpoints].sort(),
      });
    }
  }
  return routes.sort((a, b) => a.id.localeCompare(b.id));
}
