// core/v1 Container: the subset edged runs. Loose objects keep fields a real
// API server defaults (terminationMessagePath, securityContext, ...); the
// fields kedge reads are typed and checked.
import { z } from 'zod';
import { IntOrStringSchema, ResourceListSchema } from './quantity.ts';

/** RFC 1123 label: container, port and volume names. */
export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const labelName = z.string().max(63).regex(DNS_LABEL, 'must be a lower-case RFC 1123 label');

const KeyRefSchema = z.looseObject({
  name: z.string().min(1),
  key: z.string().min(1),
  optional: z.boolean().optional(),
});

const EnvVarSourceSchema = z.looseObject({
  configMapKeyRef: KeyRefSchema.optional(),
  secretKeyRef: KeyRefSchema.optional(),
  fieldRef: z.looseObject({ apiVersion: z.string().optional(), fieldPath: z.string().min(1) }).optional(),
  resourceFieldRef: z
    .looseObject({
      containerName: z.string().optional(),
      resource: z.string().min(1),
      divisor: z.union([z.string(), z.number()]).optional(),
    })
    .optional(),
});

const ContainerEnvVarSchema = z.looseObject({
  name: z.string().min(1),
  value: z.string().optional(),
  valueFrom: EnvVarSourceSchema.optional(),
});

const NameRefSchema = z.looseObject({ name: z.string().min(1), optional: z.boolean().optional() });

const EnvFromSourceSchema = z.looseObject({
  prefix: z.string().optional(),
  configMapRef: NameRefSchema.optional(),
  secretRef: NameRefSchema.optional(),
});

const portNumber = z.number().int().min(1).max(65535);

const ContainerPortSchema = z.looseObject({
  name: z.string().max(15).regex(DNS_LABEL, 'must be a lower-case RFC 1123 label').optional(),
  containerPort: portNumber,
  hostPort: portNumber.optional(),
  hostIP: z.string().optional(),
  protocol: z.enum(['TCP', 'UDP', 'SCTP']).optional(),
});

const ContainerResourcesSchema = z.looseObject({
  requests: ResourceListSchema.optional(),
  limits: ResourceListSchema.optional(),
});

const VolumeMountSchema = z.looseObject({
  name: z.string().min(1),
  mountPath: z.string().min(1),
  readOnly: z.boolean().optional(),
  subPath: z.string().optional(),
});

const ExecActionSchema = z.looseObject({ command: z.array(z.string()).min(1) });

const HttpGetActionSchema = z.looseObject({
  path: z.string().optional(),
  port: IntOrStringSchema,
  host: z.string().optional(),
  scheme: z.enum(['HTTP', 'HTTPS']).optional(),
  httpHeaders: z.array(z.looseObject({ name: z.string(), value: z.string() })).optional(),
});

const TcpSocketActionSchema = z.looseObject({ port: IntOrStringSchema, host: z.string().optional() });

const seconds = z.number().int().min(0);
const positive = z.number().int().min(1);

const ProbeSchema = z.looseObject({
  exec: ExecActionSchema.optional(),
  httpGet: HttpGetActionSchema.optional(),
  tcpSocket: TcpSocketActionSchema.optional(),
  initialDelaySeconds: seconds.optional(),
  timeoutSeconds: positive.optional(),
  periodSeconds: positive.optional(),
  successThreshold: positive.optional(),
  failureThreshold: positive.optional(),
  terminationGracePeriodSeconds: seconds.optional(),
});

const LifecycleHandlerSchema = z.looseObject({
  exec: ExecActionSchema.optional(),
  httpGet: HttpGetActionSchema.optional(),
  tcpSocket: TcpSocketActionSchema.optional(),
});

export const ContainerSchema = z.looseObject({
  name: labelName,
  image: z.string().min(1),
  imagePullPolicy: z.enum(['Always', 'IfNotPresent', 'Never']).optional(),
  command: z.array(z.string()).optional(),
  args: z.array(z.string()).optional(),
  workingDir: z.string().optional(),
  env: z.array(ContainerEnvVarSchema).optional(),
  envFrom: z.array(EnvFromSourceSchema).optional(),
  ports: z.array(ContainerPortSchema).optional(),
  resources: ContainerResourcesSchema.optional(),
  volumeMounts: z.array(VolumeMountSchema).optional(),
  livenessProbe: ProbeSchema.optional(),
  readinessProbe: ProbeSchema.optional(),
  startupProbe: ProbeSchema.optional(),
  lifecycle: z
    .looseObject({ preStop: LifecycleHandlerSchema.optional(), postStart: LifecycleHandlerSchema.optional() })
    .optional(),
});

export type Container = z.infer<typeof ContainerSchema>;
export type EnvVar = z.infer<typeof ContainerEnvVarSchema>;
export type Probe = z.infer<typeof ProbeSchema>;
