// PodTemplateSpec and the selector rules Deployments and ReplicaSets share.
import { z } from 'zod';
import type { LabelSelector } from './meta.ts';
import { PodSpecSchema } from './pod-spec.ts';

/** apps/v1: Deployment, ReplicaSet (not kubeedge's apps.kubeedge.io). */
export const K8S_APPS_GROUP = 'apps';

export const WorkloadLabels = {
  /** Hash of the pod template, on a ReplicaSet, its selector and its pods. */
  podTemplateHash: 'pod-template-hash',
} as const;

export const WorkloadAnnotations = {
  /** The Deployment revision a ReplicaSet carries (and the Deployment the newest). */
  revision: 'deployment.kubernetes.io/revision',
  /** The replicas the Deployment wanted when it last scaled this ReplicaSet. */
  desiredReplicas: 'deployment.kubernetes.io/desired-replicas',
  /** desired replicas + maxSurge at that time. */
  maxReplicas: 'deployment.kubernetes.io/max-replicas',
} as const;

export const PodTemplateSpecSchema = z.looseObject({
  metadata: z
    .looseObject({
      labels: z.record(z.string(), z.string()).optional(),
      annotations: z.record(z.string(), z.string()).optional(),
    })
    .optional(),
  spec: PodSpecSchema,
});

export type PodTemplateSpec = z.infer<typeof PodTemplateSpecSchema>;

/** Whether the labels satisfy the selector (matchLabels and matchExpressions). */
function selectorMatches(selector: LabelSelector, labels: Record<string, string> | undefined): boolean {
  const l = labels ?? {};
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (l[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(l, e.key);
    const values = e.values ?? [];
    if (e.operator === 'Exists' && !has) return false;
    if (e.operator === 'DoesNotExist' && has) return false;
    if (e.operator === 'In' && !(has && values.includes(l[e.key] ?? ''))) return false;
    if (e.operator === 'NotIn' && has && values.includes(l[e.key] ?? '')) return false;
  }
  return true;
}

/** A selector plus a template whose labels it must select, as the API server checks. */
export function checkSelectorAndTemplate(
  spec: { selector: LabelSelector; template: PodTemplateSpec },
  ctx: z.RefinementCtx,
): void {
  const s = spec.selector;
  if (Object.keys(s.matchLabels ?? {}).length === 0 && (s.matchExpressions ?? []).length === 0) {
    ctx.addIssue({ code: 'custom', path: ['selector'], message: 'empty selector is not allowed' });
    return;
  }
  if (!selectorMatches(s, spec.template.metadata?.labels)) {
    ctx.addIssue({
      code: 'custom',
      path: ['template', 'metadata', 'labels'],
      message: '`selector` does not match template `labels`',
    });
  }
}
