// The node-group filter of the traffic closed loop (pure): for a Service
// annotated apps.kubeedge.io/service-topology: range-nodegroup, the
// EndpointSlice a node is sent keeps only the endpoints on nodes of that
// node's group (same apps.kubeedge.io/belonging-to value); endpoints with no
// nodeName are dropped and a node in no group gets none. Other Services'
// slices pass unchanged. A filtered slice carries a version of its own,
// `<resourceVersion>~<digest of the endpoints kept>`, so object sync sends it
// again when the kept set changes without the slice changing (a node moved
// between groups), and only then.
import { createHash } from 'node:crypto';
import {
  SERVICE_TOPOLOGY_RANGE_NODEGROUP,
  ServiceAnnotations,
  ServiceLabels,
  type EndpointSlice,
  type Service,
} from '@kedge/api';

/** The group a node belongs to, or undefined for a node in no group (or unknown). */
export type GroupOf = (node: string) => string | undefined;

export interface NodeSlice {
  object: EndpointSlice;
  /** The version object sync compares and records. */
  resourceVersion: string;
}

/** Whether the Service asks for group-scoped endpoints. */
function isRangeNodeGroup(svc: Service | undefined): boolean {
  return svc?.metadata.annotations?.[ServiceAnnotations.topology] === SERVICE_TOPOLOGY_RANGE_NODEGROUP;
}

/** The Service an EndpointSlice belongs to (its kubernetes.io/service-name label). */
export function serviceNameOf(slice: EndpointSlice): string | undefined {
  return slice.metadata.labels?.[ServiceLabels.serviceName];
}

/** The slice as `node` may see it. `service` is the slice's Service, if it exists. */
export function sliceForNode(
  slice: EndpointSlice,
  service: Service | undefined,
  node: string,
  groupOf: GroupOf,
): NodeSlice {
  const rv = slice.metadata.resourceVersion ?? '';
  if (!isRangeNodeGroup(service)) return { object: slice, resourceVersion: rv };
  const group = groupOf(node);
  const kept = (slice.endpoints ?? []).filter(
    (e) => group !== undefined && e.nodeName !== undefined && groupOf(e.nodeName) === group,
  );
  const digest = createHash('sha256').update(JSON.stringify(kept)).digest('hex').slice(0, 12);
  const version = `${rv}~${digest}`;
  return {
    object: { ...slice, metadata: { ...slice.metadata, resourceVersion: version }, endpoints: kept },
    resourceVersion: version,
  };
}
