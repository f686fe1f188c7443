// The EndpointSlice of one Service (pure), as kube-controller-manager's
// endpointslice controller would write it for the common case: the pods in
// the Service's namespace its selector matches that have an IP and are not
// finished, each with its node and its Ready condition, and the Service's
// ports resolved to the pods' target ports. One slice per Service, named
// after it, labelled kubernetes.io/service-name.
import {
  apiVersionOf,
  kinds,
  ServiceLabels,
  type Endpoint,
  type EndpointSlice,
  type Pod,
  type Service,
  type ServicePort,
} from '@kedge/api';

/** endpointslice.kubernetes.io/managed-by of the slices kedge writes. */
export const EMBEDDED_SLICE_MANAGER = 'endpointslice-controller.kedge.io';

/** Whether the Service gets endpoints from a selector (kube: a selector, not ExternalName). */
export function selectsPods(svc: Service): boolean {
  const selector = svc.spec?.selector;
  return svc.spec?.type !== 'ExternalName' && selector !== undefined && Object.keys(selector).length > 0;
}

function matches(selector: Record<string, string>, pod: Pod): boolean {
  const labels = pod.metadata.labels ?? {};
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

function isEndpointPod(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return (
    pod.metadata.deletionTimestamp === undefined &&
    typeof pod.status?.podIP === 'string' &&
    pod.status.podIP !== '' &&
    phase !== 'Succeeded' &&
    phase !== 'Failed'
  );
}

const podReady = (pod: Pod): boolean =>
  pod.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';

/** The container port a Service port targets on `pod` (a named targetPort looked up in its containers). */
function targetPortOn(port: ServicePort, pod: Pod | undefined): number | undefined {
  const target = port.targetPort ?? port.port;
  if (typeof target === 'number') return target;
  for (const c of pod?.spec.containers ?? []) {
    const found = c.ports?.find((p) => p.name === target);
    if (found) return found.containerPort;
  }
  return undefined;
}

/** The slice the Service should have; `pods` may hold any pods (they are filtered here). */
export function planEndpointSlice(svc: Service, pods: readonly Pod[]): EndpointSlice {
  const namespace = svc.metadata.namespace ?? 'default';
  const selector = svc.spec?.selector ?? {};
  const members = pods
    .filter((p) => (p.metadata.namespace ?? 'default') === namespace && matches(selector, p))
    .filter(isEndpointPod)
    .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
  const ports = (svc.spec?.ports ?? []).flatMap((p) => {
    const port = targetPortOn(p, members[0]);
    if (port === undefined) return [];
    return [{ ...(p.name ? { name: p.name } : {}), port, protocol: p.protocol ?? 'TCP' }];
  });
  const endpoints: Endpoint[] = members.map((p) => ({
    addresses: [p.status?.podIP ?? ''],
    conditions: { ready: podReady(p), serving: podReady(p), terminating: false },
    ...(p.spec.nodeName ? { nodeName: p.spec.nodeName } : {}),
    targetRef: { kind: 'Pod', namespace, name: p.metadata.name, uid: p.metadata.uid ?? '' },
  }));
  return {
    apiVersion: apiVersionOf(kinds.EndpointSlice) as 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name: svc.metadata.name,
      namespace,
      labels: {
        [ServiceLabels.serviceName]: svc.metadata.name,
        [ServiceLabels.managedBy]: EMBEDDED_SLICE_MANAGER,
      },
      ownerReferences: [
        {
          apiVersion: 'v1',
          kind: 'Service',
          name: svc.metadata.name,
          uid: svc.metadata.uid ?? '',
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    addressType: 'IPv4',
    endpoints,
    ports,
  };
}
