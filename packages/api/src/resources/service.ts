// core/v1 Service, Endpoints and discovery.k8s.io/v1 EndpointSlice: the
// fields kedge reads (selector, ports, clusterIP; endpoint addresses, node
// and readiness), Kubernetes' names, everything else kept as written.
import { z } from 'zod';
import { ObjectMetaSchema } from './meta.ts';

export const DISCOVERY_GROUP = 'discovery.k8s.io';

/** Labels and annotations of the Service traffic path (Kubernetes' and KubeEdge's names). */
export const ServiceLabels = {
  /** On an EndpointSlice: the Service it belongs to. */
  serviceName: 'kubernetes.io/service-name',
  /** On an EndpointSlice: the controller that writes it. */
  managedBy: 'endpointslice.kubernetes.io/managed-by',
} as const;

export const ServiceAnnotations = {
  /** `range-nodegroup`: edge nodes are sent only endpoints in their own node group. */
  topology: 'apps.kubeedge.io/service-topology',
} as const;

export const SERVICE_TOPOLOGY_RANGE_NODEGROUP = 'range-nodegroup';

/** The DNS domain of Service names, `<service>.<namespace>.svc.<domain>` (kubelet's default clusterDomain). */
export const CLUSTER_DOMAIN = 'cluster.local';

const ProtocolSchema = z.enum(['TCP', 'UDP', 'SCTP']);

const ServicePortSchema = z.looseObject({
  name: z.string().optional(),
  protocol: ProtocolSchema.optional(),
  port: z.number().int().min(1).max(65535),
  /** A number, or the name of a container port. Defaults to `port`. */
  targetPort: z.union([z.number().int().min(1).max(65535), z.string().min(1)]).optional(),
  nodePort: z.number().int().optional(),
  appProtocol: z.string().optional(),
});

export const ServiceSchema = z.looseObject({
  apiVersion: z.literal('v1'),
  kind: z.literal('Service'),
  metadata: ObjectMetaSchema,
  spec: z
    .looseObject({
      selector: z.record(z.string(), z.string()).optional(),
      ports: z.array(ServicePortSchema).optional(),
      clusterIP: z.string().optional(),
      clusterIPs: z.array(z.string()).optional(),
      type: z.enum(['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName']).optional(),
      sessionAffinity: z.string().optional(),
    })
    .optional(),
  status: z.looseObject({}).optional(),
});

const EndpointAddressSchema = z.looseObject({
  ip: z.string(),
  hostname: z.string().optional(),
  nodeName: z.string().optional(),
  targetRef: z.looseObject({}).optional(),
});

const EndpointPortSchema = z.looseObject({
  name: z.string().optional(),
  port: z.number().int().min(1).max(65535),
  protocol: ProtocolSchema.optional(),
  appProtocol: z.string().optional(),
});

export const EndpointsSchema = z.looseObject({
  apiVersion: z.literal('v1'),
  kind: z.literal('Endpoints'),
  metadata: ObjectMetaSchema,
  subsets: z
    .array(
      z.looseObject({
        addresses: z.array(EndpointAddressSchema).optional(),
        notReadyAddresses: z.array(EndpointAddressSchema).optional(),
        ports: z.array(EndpointPortSchema).optional(),
      }),
    )
    .optional(),
});

const EndpointSchema = z.looseObject({
  addresses: z.array(z.string()).min(1),
  conditions: z
    .looseObject({
      ready: z.boolean().optional(),
      serving: z.boolean().optional(),
      terminating: z.boolean().optional(),
    })
    .optional(),
  hostname: z.string().optional(),
  nodeName: z.string().optional(),
  zone: z.string().optional(),
  targetRef: z.looseObject({}).optional(),
});

export const EndpointSliceSchema = z.looseObject({
  apiVersion: z.literal('discovery.k8s.io/v1'),
  kind: z.literal('EndpointSlice'),
  metadata: ObjectMetaSchema,
  addressType: z.enum(['IPv4', 'IPv6', 'FQDN']),
  endpoints: z.array(EndpointSchema).nullish(),
  ports: z.array(EndpointPortSchema.extend({ port: z.number().int().optional() })).nullish(),
});

export type Service = z.infer<typeof ServiceSchema>;
export type ServicePort = z.infer<typeof ServicePortSchema>;
export type EndpointSlice = z.infer<typeof EndpointSliceSchema>;
export type Endpoint = z.infer<typeof EndpointSchema>;
