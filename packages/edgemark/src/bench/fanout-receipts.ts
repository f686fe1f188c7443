// What the endpoint fan-out benchmark needs besides the cloud: where its
// endpoints live (node i is in group i mod G; endpoint j sits on node j mod N,
// so every group holds E / G of them), the EndpointSlices the embedded
// endpointslice controller would write for them (100 endpoints a slice), and
// a record of which version of each slice every hollow node received, when,
// and how many bytes that took (fed by the fleet's onResource hook).
import type { EndpointSlice, Message } from '@kedge/api';
import { objectAck } from '../hollow-pods.ts';

/** Endpoints per slice, the endpointslice controller's default maxEndpointsPerSlice. */
export const ENDPOINTS_PER_SLICE = 100;

const groupName = (g: number): string => `group-${g}`;
export const groupOfNode = (nodeIndex: number, groups: number): string => groupName(nodeIndex % groups);
export const endpointNode = (endpoint: number, nodes: number): number => endpoint % nodes;

/** A pod IP per endpoint, in 100.64.0.0/10, unique for up to 4M endpoints. */
function endpointAddress(endpoint: number): string {
  const n = 0x64400000 + (endpoint % 0x400000);
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** The slices of Service `service` holding `endpoints` endpoints, all ready, spread as above. */
export function fanoutSlices(
  service: string,
  namespace: string,
  endpoints: number,
  nodes: number,
  prefix: string,
): EndpointSlice[] {
  const out: EndpointSlice[] = [];
  for (let first = 0; first < endpoints; first += ENDPOINTS_PER_SLICE) {
    const last = Math.min(endpoints, first + ENDPOINTS_PER_SLICE);
    out.push({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: {
        name: `${service}-${out.length}`,
        namespace,
        labels: { 'kubernetes.io/service-name': service },
      },
      addressType: 'IPv4',
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
      endpoints: Array.from({ length: last - first }, (_, k) => ({
        addresses: [endpointAddress(first + k)],
        conditions: { ready: true },
        nodeName: `${prefix}-${endpointNode(first + k, nodes)}`,
      })),
    });
  }
  return out;
}

/** Whether a node that received version `received` holds store version `rv` (filtered: `<rv>~<digest>`). */
export function holdsVersion(received: string | undefined, rv: string): boolean {
  return received !== undefined && (received === rv || received.startsWith(`${rv}~`));
}

interface Receipt {
  version: string;
  at: number;
}

/** Per slice and node: the last version received. Plus bytes and messages since the last reset. */
export class FanoutReceipts {
  /** `<namespace>/<slice>` -> node -> last receipt. */
  private readonly slices = new Map<string, Map<string, Receipt>>();
  sliceMessages = 0;
  sliceBytes = 0;
  /** Every resource frame (Services, slices, anything else object sync sends). */
  allBytes = 0;

  record(node: string, msg: Message, frameBytes: number, now: number): void {
    this.allBytes += frameBytes;
    const [namespace, type, name] = msg.route.resource.split('/');
    if (type !== 'endpointslice' || !name) return;
    this.sliceMessages += 1;
    this.sliceBytes += frameBytes;
    const key = `${namespace}/${name}`;
    let byNode = this.slices.get(key);
    if (!byNode) this.slices.set(key, (byNode = new Map<string, Receipt>()));
    byNode.set(node, { version: objectAck(msg).objectResourceVersion, at: now });
  }

  /** How many of `nodes` hold store version `rv` of the slice, and when the last of them got it. */
  holders(
    namespace: string,
    slice: string,
    rv: string,
    nodes: Iterable<string>,
  ): { count: number; lastAt: number } {
    const byNode = this.slices.get(`${namespace}/${slice}`);
    let count = 0;
    let lastAt = 0;
    for (const node of nodes) {
      const r = byNode?.get(node);
      if (r && holdsVersion(r.version, rv)) {
        count += 1;
        lastAt = Math.max(lastAt, r.at);
      }
    }
    return { count, lastAt };
  }

  /** Nodes (any) that hold store version `rv` of the slice. */
  reached(namespace: string, slice: string, rv: string): number {
    let count = 0;
    for (const r of this.slices.get(`${namespace}/${slice}`)?.values() ?? [])
      if (holdsVersion(r.version, rv)) count += 1;
    return count;
  }

  resetCounters(): void {
    this.sliceMessages = 0;
    this.sliceBytes = 0;
    this.allBytes = 0;
  }
}
