// `kedgectl describe pod NAME` in kubectl's layout.
import type { Event, Pod } from '@kedge/api';
import { podStatusReason } from '../workload-columns.ts';
import { writeContainers } from './containers.ts';
import { DescribeWriter, NONE, formatTime, writeEvents, writeMeta } from './writer.ts';

export function describePod(pod: Pod, events: readonly Event[], now: number): string {
  const w = new DescribeWriter();
  const { metadata: meta, spec, status } = pod;
  writeMeta(w, meta, true);
  w.field(0, 'Service Account', spec.serviceAccountName ?? 'default');
  w.field(0, 'Node', spec.nodeName ? `${spec.nodeName}${status?.hostIP ? `/${status.hostIP}` : ''}` : NONE);
  if (status?.startTime) w.field(0, 'Start Time', formatTime(status.startTime));
  w.map(0, 'Labels', meta.labels);
  w.map(0, 'Annotations', meta.annotations, ': ');
  if (meta.deletionTimestamp) {
    w.field(0, 'Status', `Terminating (lasts ${formatTime(meta.deletionTimestamp)})`);
  } else {
    w.field(0, 'Status', status?.phase ?? 'Pending');
  }
  const shown = podStatusReason(pod);
  if (status?.reason) w.field(0, 'Reason', status.reason);
  else if (shown !== (status?.phase ?? 'Pending') && !meta.deletionTimestamp) w.field(0, 'Reason', shown);
  if (status?.message) w.field(0, 'Message', status.message);
  w.field(0, 'IP', status?.podIP ?? '');
  const ips = status?.podIPs ?? [];
  if (ips.length === 0) w.field(0, 'IPs', NONE);
  else {
    w.field(0, 'IPs');
    for (const ip of ips) w.field(1, 'IP', ip.ip);
  }
  const owner = meta.ownerReferences?.find((o) => o.controller);
  if (owner) w.field(0, 'Controlled By', `${owner.kind}/${owner.name}`);
  if (spec.initContainers?.length) {
    writeContainers(w, 0, 'Init Containers', spec.initContainers, status?.initContainerStatuses ?? []);
  }
  writeContainers(w, 0, 'Containers', spec.containers, status?.containerStatuses ?? []);
  const conditions = status?.conditions ?? [];
  if (conditions.length) {
    w.field(0, 'Conditions');
    w.table(
      1,
      ['Type', 'Status'],
      conditions.map((c) => [c.type, c.status]),
    );
  }
  const volumes = spec.volumes ?? [];
  if (volumes.length === 0) w.field(0, 'Volumes', NONE);
  else {
    w.field(0, 'Volumes');
    for (const v of volumes) {
      w.field(1, v.name);
      const source = Object.keys(v).find((k) => k !== 'name');
      w.field(2, 'Type', source ?? 'unknown');
    }
  }
  w.map(0, 'Node-Selectors', spec.nodeSelector);
  const tolerations = (spec.tolerations ?? []).map((t) =>
    [t.key, t.value === undefined ? '' : `=${t.value}`, t.effect ? `:${t.effect}` : ''].join(''),
  );
  if (tolerations.length === 0) w.field(0, 'Tolerations', NONE);
  else tolerations.forEach((t, i) => w.field(0, i === 0 ? 'Tolerations' : '', t));
  writeEvents(w, events, now);
  return w.toString();
}
