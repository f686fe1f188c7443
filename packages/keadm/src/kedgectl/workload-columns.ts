// kubectl's built-in columns for Pods, Deployments and ReplicaSets: values
// computed from status the way kubectl's printers compute them (READY 1/1,
// STATUS from the kubelet reason, RESTARTS with the last restart's age),
// not read from one field.
import type { ContainerStatus, Deployment, Pod, ReplicaSet } from '@kedge/api';
import { formatDuration } from './age.ts';

export interface WorkloadColumn {
  header: string;
  cell(object: unknown): string;
}

const NONE = '<none>';

export function podColumns(wide: boolean, now: () => number): WorkloadColumn[] {
  const pod = (o: unknown): Pod => o as Pod;
  const columns: WorkloadColumn[] = [
    { header: 'READY', cell: (o) => podReady(pod(o)) },
    { header: 'STATUS', cell: (o) => podStatusReason(pod(o)) },
    { header: 'RESTARTS', cell: (o) => podRestarts(pod(o), now()) },
  ];
  if (!wide) return columns;
  return [
    ...columns,
    { header: 'IP', cell: (o) => pod(o).status?.podIP || NONE },
    { header: 'NODE', cell: (o) => pod(o).spec.nodeName || NONE },
    { header: 'NOMINATED NODE', cell: () => NONE },
    { header: 'READINESS GATES', cell: () => NONE },
  ];
}

/** `ready/total` over the spec's containers. */
function podReady(pod: Pod): string {
  const ready = (pod.status?.containerStatuses ?? []).filter((c) => c.ready).length;
  return `${ready}/${pod.spec.containers.length}`;
}

/** Sum of restarts, with the age of the latest restart as kubectl shows it: `3 (45s ago)`. */
export function podRestarts(pod: Pod, now: number): string {
  const statuses = pod.status?.containerStatuses ?? [];
  const restarts = statuses.reduce((sum, c) => sum + c.restartCount, 0);
  const finished = statuses
    .map((c) => Date.parse(c.lastState?.terminated?.finishedAt ?? ''))
    .filter((t) => !Number.isNaN(t));
  if (restarts === 0 || finished.length === 0) return String(restarts);
  return `${restarts} (${formatDuration(now - Math.max(...finished))} ago)`;
}

/** The terminated/waiting reason of a container, or kubectl's Signal:N / ExitCode:N. */
function containerReason(c: ContainerStatus): string | undefined {
  const waiting = c.state?.waiting;
  if (waiting?.reason) return waiting.reason;
  const terminated = c.state?.terminated;
  if (!terminated) return undefined;
  if (terminated.reason) return terminated.reason;
  return terminated.signal ? `Signal:${terminated.signal}` : `ExitCode:${terminated.exitCode}`;
}

function initReason(pod: Pod): string | undefined {
  const inits = pod.status?.initContainerStatuses ?? [];
  for (const [i, c] of inits.entries()) {
    const terminated = c.state?.terminated;
    if (terminated?.exitCode === 0) continue;
    if (terminated) {
      if (terminated.reason) return `Init:${terminated.reason}`;
      return terminated.signal ? `Init:Signal:${terminated.signal}` : `Init:ExitCode:${terminated.exitCode}`;
    }
    const waiting = c.state?.waiting?.reason;
    if (waiting && waiting !== 'PodInitializing') return `Init:${waiting}`;
    return `Init:${i}/${pod.spec.initContainers?.length ?? inits.length}`;
  }
  return undefined;
}

/**
 * STATUS: the pod's reason or phase, overridden by an init container still at
 * work, then by the last container's waiting/terminated reason
 * (CrashLoopBackOff, ErrImagePull, Completed, Error); Terminating once the
 * pod is being deleted.
 */
export function podStatusReason(pod: Pod): string {
  let reason: string = pod.status?.reason || pod.status?.phase || 'Pending';
  const init = initReason(pod);
  if (init) {
    reason = init;
  } else {
    let running = false;
    for (const c of [...(pod.status?.containerStatuses ?? [])].reverse()) {
      const r = containerReason(c);
      if (r) reason = r;
      else if (c.ready && c.state?.running) running = true;
    }
    if (reason === 'Completed' && running) {
      const ready = pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
      reason = ready ? 'Running' : 'NotReady';
    }
  }
  if (pod.metadata.deletionTimestamp) return pod.status?.reason === 'NodeLost' ? 'Unknown' : 'Terminating';
  return reason;
}

type Templated = Deployment | ReplicaSet;

function templateColumns(): WorkloadColumn[] {
  const containers = (o: unknown): { name: string; image?: string }[] =>
    (o as Templated).spec.template.spec.containers;
  return [
    {
      header: 'CONTAINERS',
      cell: (o) =>
        containers(o)
          .map((c) => c.name)
          .join(','),
    },
    {
      header: 'IMAGES',
      cell: (o) =>
        containers(o)
          .map((c) => c.image ?? '')
          .join(','),
    },
    { header: 'SELECTOR', cell: (o) => formatSelector((o as Templated).spec.selector) },
  ];
}

/** A label selector as kubectl prints it: `app=web,tier in (a,b)`. */
export function formatSelector(selector: Templated['spec']['selector'] | undefined): string {
  const parts = Object.entries(selector?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of selector?.matchExpressions ?? []) {
    const op = e.operator;
    if (op === 'Exists') parts.push(e.key);
    else if (op === 'DoesNotExist') parts.push(`!${e.key}`);
    else parts.push(`${e.key} ${op === 'In' ? 'in' : 'notin'} (${(e.values ?? []).join(',')})`);
  }
  return parts.length ? parts.join(',') : NONE;
}

export function deploymentColumns(wide: boolean): WorkloadColumn[] {
  const d = (o: unknown): Deployment => o as Deployment;
  const columns: WorkloadColumn[] = [
    {
      header: 'READY',
      cell: (o) => `${d(o).status?.readyReplicas ?? 0}/${d(o).spec.replicas ?? 1}`,
    },
    { header: 'UP-TO-DATE', cell: (o) => String(d(o).status?.updatedReplicas ?? 0) },
    { header: 'AVAILABLE', cell: (o) => String(d(o).status?.availableReplicas ?? 0) },
  ];
  return wide ? [...columns, ...templateColumns()] : columns;
}

export function replicaSetColumns(wide: boolean): WorkloadColumn[] {
  const rs = (o: unknown): ReplicaSet => o as ReplicaSet;
  const columns: WorkloadColumn[] = [
    { header: 'DESIRED', cell: (o) => String(rs(o).spec.replicas ?? 1) },
    { header: 'CURRENT', cell: (o) => String(rs(o).status?.replicas ?? 0) },
    { header: 'READY', cell: (o) => String(rs(o).status?.readyReplicas ?? 0) },
  ];
  return wide ? [...columns, ...templateColumns()] : columns;
}
