// core/v1 PodSpec: containers, volumes and the scheduling fields kedge honours.
// Rules a real API server enforces on user input (unique names, mounts that
// name a declared volume, one source per volume and env var) are checked here,
// each problem naming its field.
import { z } from 'zod';
import { ContainerSchema, DNS_LABEL, type Container } from './container.ts';

const mode = z.number().int().min(0).max(0o777);
const KeyToPathSchema = z.looseObject({
  key: z.string().min(1),
  path: z.string().min(1),
  mode: mode.optional(),
});

const VolumeSchema = z.looseObject({
  name: z.string().max(63).regex(DNS_LABEL, 'must be a lower-case RFC 1123 label'),
  emptyDir: z
    .looseObject({ medium: z.string().optional(), sizeLimit: z.union([z.string(), z.number()]).optional() })
    .optional(),
  configMap: z
    .looseObject({
      name: z.string().min(1),
      items: z.array(KeyToPathSchema).optional(),
      defaultMode: mode.optional(),
      optional: z.boolean().optional(),
    })
    .optional(),
  secret: z
    .looseObject({
      secretName: z.string().min(1),
      items: z.array(KeyToPathSchema).optional(),
      defaultMode: mode.optional(),
      optional: z.boolean().optional(),
    })
    .optional(),
  hostPath: z.looseObject({ path: z.string().min(1), type: z.string().optional() }).optional(),
  downwardAPI: z
    .looseObject({
      items: z.array(
        z.looseObject({
          path: z.string().min(1),
          fieldRef: z
            .looseObject({ apiVersion: z.string().optional(), fieldPath: z.string().min(1) })
            .optional(),
          resourceFieldRef: z
            .looseObject({ containerName: z.string().optional(), resource: z.string().min(1) })
            .optional(),
          mode: mode.optional(),
        }),
      ),
      defaultMode: mode.optional(),
    })
    .optional(),
});

const TolerationSchema = z.looseObject({
  key: z.string().optional(),
  operator: z.enum(['Exists', 'Equal']).optional(),
  value: z.string().optional(),
  effect: z.enum(['', 'NoSchedule', 'PreferNoSchedule', 'NoExecute']).optional(),
  tolerationSeconds: z.number().int().optional(),
});

const NodeSelectorRequirementSchema = z.looseObject({
  key: z.string().min(1),
  operator: z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist', 'Gt', 'Lt']),
  values: z.array(z.string()).optional(),
});

const NodeSelectorTermSchema = z.looseObject({
  matchExpressions: z.array(NodeSelectorRequirementSchema).optional(),
  matchFields: z.array(NodeSelectorRequirementSchema).optional(),
});

const AffinitySchema = z.looseObject({
  nodeAffinity: z
    .looseObject({
      requiredDuringSchedulingIgnoredDuringExecution: z
        .looseObject({ nodeSelectorTerms: z.array(NodeSelectorTermSchema).min(1) })
        .optional(),
    })
    .optional(),
});

export const PodSpecSchema = z
  .looseObject({
    containers: z.array(ContainerSchema).min(1),
    initContainers: z.array(ContainerSchema).optional(),
    volumes: z.array(VolumeSchema).optional(),
    restartPolicy: z.enum(['Always', 'OnFailure', 'Never']).optional(),
    nodeName: z.string().optional(),
    nodeSelector: z.record(z.string(), z.string()).optional(),
    affinity: AffinitySchema.optional(),
    tolerations: z.array(TolerationSchema).optional(),
    terminationGracePeriodSeconds: z.number().int().min(0).optional(),
    imagePullSecrets: z.array(z.looseObject({ name: z.string().min(1) })).optional(),
    serviceAccountName: z.string().optional(),
    serviceAccount: z.string().optional(),
    /** false: no ServiceAccount token is mounted (docs/workloads.md, ServiceAccount tokens). */
    automountServiceAccountToken: z.boolean().optional(),
    hostNetwork: z.boolean().optional(),
  })
  .superRefine((spec, ctx) => {
    for (const [path, message] of podSpecProblems(spec)) ctx.addIssue({ code: 'custom', path, message });
  });

export type Volume = z.infer<typeof VolumeSchema>;
export type Toleration = z.infer<typeof TolerationSchema>;
export type NodeSelectorRequirement = z.infer<typeof NodeSelectorRequirementSchema>;

type Problem = [path: (string | number)[], message: string];

function podSpecProblems(spec: {
  containers: Container[];
  initContainers?: Container[] | undefined;
  volumes?: z.infer<typeof VolumeSchema>[] | undefined;
}): Problem[] {
  const problems: Problem[] = [];
  const volumes = new Set<string>();
  (spec.volumes ?? []).forEach((v, i) => {
    if (volumes.has(v.name)) problems.push([['volumes', i, 'name'], `duplicate volume name "${v.name}"`]);
    volumes.add(v.name);
    const sources = Object.keys(v).filter((k) => k !== 'name' && v[k] !== undefined && v[k] !== null);
    if (sources.length !== 1) {
      const named = sources.length === 0 ? 'none' : sources.join(', ');
      problems.push([['volumes', i], `must name exactly one volume source (such as emptyDir), got ${named}`]);
    }
  });
  const names = new Set<string>();
  for (const field of ['initContainers', 'containers'] as const) {
    (spec[field] ?? []).forEach((c, i) => {
      if (names.has(c.name)) problems.push([[field, i, 'name'], `duplicate container name "${c.name}"`]);
      names.add(c.name);
      (c.volumeMounts ?? []).forEach((m, j) => {
        if (!volumes.has(m.name)) {
          problems.push([[field, i, 'volumeMounts', j, 'name'], `no volume named "${m.name}" in volumes`]);
        }
      });
      (c.env ?? []).forEach((e, j) => {
        const from = e.valueFrom;
        if (from === undefined) return;
        const n = ['configMapKeyRef', 'secretKeyRef', 'fieldRef', 'resourceFieldRef'].filter(
          (k) => from[k] !== undefined,
        ).length;
        if (n !== 1 || e.value !== undefined) {
          problems.push([[field, i, 'env', j, 'valueFrom'], 'must name exactly one source and no value']);
        }
      });
    });
  }
  return problems;
}
