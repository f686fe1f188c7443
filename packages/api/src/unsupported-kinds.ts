// Kubernetes workload kinds kedge does not serve, each with what to use
// instead, so that `kedgectl apply` of one says so plainly (coded
// KEDGE_WORKLOAD_KIND_UNSUPPORTED) instead of "unknown kind". The table in
// docs/workloads.md lists the same kinds.
import { KedgeError } from './errors.ts';

const UNSUPPORTED_WORKLOAD_KINDS: Readonly<Record<string, { group: string; instead: string }>> = {
  StatefulSet: {
    group: 'apps',
    instead: 'use a Deployment (no stable pod identity or per-pod volumes at the edge)',
  },
  DaemonSet: {
    group: 'apps',
    instead:
      'use a Deployment with one replica per node and a nodeSelector, or an EdgeApplication over node groups',
  },
  Job: { group: 'batch', instead: 'use a Deployment, or a NodeUpgradeJob/ImagePrePullJob for node tasks' },
  CronJob: { group: 'batch', instead: 'use a Deployment' },
  ReplicationController: { group: '', instead: 'use a Deployment' },
};

/** The refusal for a workload kind kedge does not run, or undefined when `kind` is not one. */
export function unsupportedWorkloadKind(
  apiVersion: string,
  kind: string,
  where?: string,
): KedgeError | undefined {
  const entry = Object.hasOwn(UNSUPPORTED_WORKLOAD_KINDS, kind)
    ? UNSUPPORTED_WORKLOAD_KINDS[kind]
    : undefined;
  if (!entry) return undefined;
  const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
  if (group !== entry.group) return undefined;
  return new KedgeError(
    'KEDGE_WORKLOAD_KIND_UNSUPPORTED',
    `${kind} (${apiVersion})${where ? ` in ${where}` : ''} is not supported: kedge runs Deployments ` +
      `(ReplicaSets, Pods) only; ${entry.instead}. See docs/workloads.md`,
    { resource: `${apiVersion}/${kind}` },
  );
}
