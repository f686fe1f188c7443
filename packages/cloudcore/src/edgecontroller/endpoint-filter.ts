// The node-group filter of the traffic closed loop (pure): for a Service
// annotated apps.kubeedge.io/service-topology: range-nodegroup, the
// EndpointSlice a node is sent keeps only the endpoints on nodes of that
// node's group (same apps.kubeedge.io/belonging-to value); endpoints with no
// nodeName are dropped and a node in no group gets none. Other Services'
// slices pass unchanged. A filtered slice carries a version of its own,
// `<resourceVersion>~<digest of what the node sees>` (the kept endpoints,
// ports, labels and annotations), so object sync sends it again when the kept
// set changes without the slice changing (a node moved between groups), and
// does not when the slice changed only in endpoints of other groups: two
// versions with the same digest are the same view (sameFilteredView).
import { createHash } from 'node:crypto';
import {
  SERVICE_TOPOLOGY_RANGE_NODEGROUP,
  ServiceAnnotations,
  ServiceLabels,
  type Endpoint,
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
  const version = `${rv}${VIEW_SEPARATOR}${viewDigest(slice, kept)}`;
  return {
    object: { ...slice, metadata: { ...slice.metadata, resourceVersion: version }, endpoints: kept },
    resourceVersion: version,
  };
}

const VIEW_SEPARATOR = '~';

/** Set by the endpointslice controller on every write; not part of what a node uses. */
const CHANGE_TRIGGER_ANNOTATION = 'endpoints.kubernetes.io/last-change-trigger-time';

/** Digest of the filtered slice as a node uses it: everything but the version-like metadata. */
function viewDigest(slice: EndpointSlice, kept: readonly Endpoint[]): string {
  const { [CHANGE_TRIGGER_ANNOTATION]: _trigger, ...annotations } = slice.metadata.annotations ?? {};
  const view = [slice.metadata.labels ?? {}, annotations, slice.addressType, slice.ports ?? [], kept];
  return createHash('sha256').update(JSON.stringify(view)).digest('hex').slice(0, 12);
}

/**
 * Whether two versions are filtered copies with the same view (same digest, whatever their
 * resourceVersion): a node holding one needs nothing when the other is desired.
 */
export function sameFilteredView(a: string, b: string): boolean {
  const i = a.lastIndexOf(VIEW_SEPARATOR);
  const j = b.lastIndexOf(VIEW_SEPARATOR);
  return i >= 0 && j >= 0 && a.slice(i) === b.slice(j);
}
