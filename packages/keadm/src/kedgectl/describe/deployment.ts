// `kedgectl describe deployment NAME` in kubectl's layout.
import { WorkloadAnnotations, type Deployment, type Event, type ReplicaSet } from '@kedge/api';
import { formatSelector } from '../workload-columns.ts';
import { writeContainers } from './containers.ts';
import { DescribeWriter, NONE, formatTime, writeEvents, writeMeta } from './writer.ts';

function replicaSetLine(rs: ReplicaSet): string {
  return `${rs.metadata.name} (${rs.status?.replicas ?? 0}/${rs.spec.replicas ?? 1} replicas created)`;
}

/** `replicaSets` are the ones this Deployment controls; the one at the Deployment's revision is the new one. */
export function describeDeployment(
  deployment: Deployment,
  replicaSets: readonly ReplicaSet[],
  events: readonly Event[],
  now: number,
): string {
  const w = new DescribeWriter();
  const { metadata: meta, spec, status } = deployment;
  writeMeta(w, meta, true);
  w.field(0, 'CreationTimestamp', formatTime(meta.creationTimestamp));
  w.map(0, 'Labels', meta.labels);
  w.map(0, 'Annotations', meta.annotations, ': ');
  w.field(0, 'Selector', formatSelector(spec.selector));
  const desired = spec.replicas ?? 1;
  const s = status ?? {};
  w.field(
    0,
    'Replicas',
    `${desired} desired | ${s.updatedReplicas ?? 0} updated | ${s.replicas ?? 0} total | ` +
      `${s.availableReplicas ?? 0} available | ${s.unavailableReplicas ?? 0} unavailable`,
  );
  const strategy = spec.strategy?.type ?? 'RollingUpdate';
  w.field(0, 'StrategyType', strategy);
  w.field(0, 'MinReadySeconds', String(spec.minReadySeconds ?? 0));
  if (strategy === 'RollingUpdate') {
    const ru = spec.strategy?.rollingUpdate;
    w.field(
      0,
      'RollingUpdateStrategy',
      `${ru?.maxUnavailable ?? '25%'} max unavailable, ${ru?.maxSurge ?? '25%'} max surge`,
    );
  }
  w.field(0, 'Pod Template');
  w.map(1, 'Labels', spec.template.metadata?.labels);
  writeContainers(w, 1, 'Containers', spec.template.spec.containers, undefined);
  const conditions = s.conditions ?? [];
  if (conditions.length) {
    w.field(0, 'Conditions');
    w.table(
      1,
      ['Type', 'Status', 'Reason'],
      conditions.map((c) => [c.type, c.status, c.reason ?? '']),
      true,
    );
  }
  const revision = (o: { metadata: { annotations?: Record<string, string> } }): string | undefined =>
    o.metadata.annotations?.[WorkloadAnnotations.revision];
  const current =
    replicaSets.find((rs) => revision(rs) !== undefined && revision(rs) === revision(deployment)) ??
    [...replicaSets].sort((a, b) => Number(revision(b) ?? 0) - Number(revision(a) ?? 0))[0];
  const old = replicaSets.filter((rs) => rs !== current && (rs.status?.replicas ?? 0) > 0);
  w.field(0, 'OldReplicaSets', old.length ? old.map(replicaSetLine).join(', ') : NONE);
  w.field(0, 'NewReplicaSet', current ? replicaSetLine(current) : NONE);
  writeEvents(w, events, now);
  return w.toString();
}
