// `kedgectl describe node NAME` in kubectl's layout.
import type { Event, Node, Pod } from '@kedge/api';
import { formatAge } from '../age.ts';
import { nodeRoles } from '../columns.ts';
import { DescribeWriter, NONE, formatTime, writeEvents } from './writer.ts';

const SYSTEM_INFO: readonly [string, string][] = [
  ['Machine ID', 'machineID'],
  ['System UUID', 'systemUUID'],
  ['Boot ID', 'bootID'],
  ['Kernel Version', 'kernelVersion'],
  ['OS Image', 'osImage'],
  ['Operating System', 'operatingSystem'],
  ['Architecture', 'architecture'],
  ['Container Runtime Version', 'containerRuntimeVersion'],
  ['Kubelet Version', 'kubeletVersion'],
];

export function describeNode(
  node: Node,
  pods: readonly Pod[],
  events: readonly Event[],
  now: number,
): string {
  const w = new DescribeWriter();
  const { metadata: meta, status } = node;
  w.field(0, 'Name', meta.name);
  w.field(0, 'Roles', nodeRoles(node));
  w.map(0, 'Labels', meta.labels);
  w.map(0, 'Annotations', meta.annotations, ': ');
  w.field(0, 'CreationTimestamp', formatTime(meta.creationTimestamp));
  const taints = (
    (node.spec as { taints?: { key: string; value?: string; effect: string }[] } | undefined)?.taints ?? []
  ).map((t) => `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`);
  if (taints.length === 0) w.field(0, 'Taints', NONE);
  else taints.forEach((t, i) => w.field(0, i === 0 ? 'Taints' : '', t));
  w.field(0, 'Unschedulable', node.spec?.unschedulable ? 'true' : 'false');
  const conditions = status?.conditions ?? [];
  if (conditions.length === 0) w.field(0, 'Conditions', NONE);
  else {
    w.field(0, 'Conditions');
    const header = ['Type', 'Status', 'LastHeartbeatTime', 'LastTransitionTime', 'Reason', 'Message'];
    const rows = conditions.map((c) => [
      c.type,
      c.status,
      formatTime(c.lastHeartbeatTime),
      formatTime(c.lastTransitionTime),
      c.reason ?? '',
      c.message ?? '',
    ]);
    w.table(1, header, rows, true);
  }
  const addresses = status?.addresses ?? [];
  if (addresses.length === 0) w.field(0, 'Addresses', NONE);
  else {
    w.field(0, 'Addresses');
    for (const a of addresses) w.field(1, a.type, a.address);
  }
  for (const [label, values] of [
    ['Capacity', status?.capacity],
    ['Allocatable', status?.allocatable],
  ] as const) {
    if (!values) continue;
    w.field(0, label);
    for (const [k, v] of Object.entries(values)) w.field(1, k, v);
  }
  const info = (status?.nodeInfo ?? {}) as Record<string, string | undefined>;
  w.field(0, 'System Info');
  for (const [label, key] of SYSTEM_INFO) w.field(1, label, info[key] ?? '');
  const running = pods.filter((p) => p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed');
  w.field(0, 'Non-terminated Pods', `(${running.length} in total)`);
  if (running.length) {
    const rows = running.map((p) => [
      p.metadata.namespace ?? 'default',
      p.metadata.name,
      formatAge(p.metadata.creationTimestamp, now),
    ]);
    w.table(1, ['Namespace', 'Name', 'Age'], rows, true);
  }
  writeEvents(w, events, now);
  return w.toString();
}
