// The Containers section of `describe pod` (and the container part of a
// Deployment's Pod Template): image, ports, state and last state, ready,
// restarts, environment and mounts.
import type { Container, ContainerState, ContainerStatus } from '@kedge/api';
import { DescribeWriter, NONE, formatTime } from './writer.ts';

function writeState(
  w: DescribeWriter,
  indent: number,
  label: string,
  state: ContainerState | undefined,
): void {
  if (state?.running) {
    w.field(indent, label, 'Running');
    w.field(indent + 1, 'Started', formatTime(state.running.startedAt));
  } else if (state?.waiting) {
    w.field(indent, label, 'Waiting');
    if (state.waiting.reason) w.field(indent + 1, 'Reason', state.waiting.reason);
    if (state.waiting.message) w.field(indent + 1, 'Message', state.waiting.message);
  } else if (state?.terminated) {
    const t = state.terminated;
    w.field(indent, label, 'Terminated');
    if (t.reason) w.field(indent + 1, 'Reason', t.reason);
    if (t.message) w.field(indent + 1, 'Message', t.message);
    w.field(indent + 1, 'Exit Code', String(t.exitCode));
    if (t.signal) w.field(indent + 1, 'Signal', String(t.signal));
    w.field(indent + 1, 'Started', formatTime(t.startedAt));
    w.field(indent + 1, 'Finished', formatTime(t.finishedAt));
  } else if (label === 'State') {
    w.field(indent, label, 'Waiting');
  }
}

function envValue(e: NonNullable<Container['env']>[number]): string {
  if (e.value !== undefined) return e.value;
  const from = e.valueFrom as Record<string, { name?: string; key?: string; fieldPath?: string }> | undefined;
  const ref = from?.secretKeyRef ?? from?.configMapKeyRef;
  if (ref)
    return `<set to the key '${ref.key}' in ${from?.secretKeyRef ? 'secret' : 'config map'} '${ref.name}'>`;
  if (from?.fieldRef) return `(v1:${from.fieldRef.fieldPath})`;
  return '';
}

export function writeContainers(
  w: DescribeWriter,
  indent: number,
  heading: string,
  containers: readonly Container[],
  statuses: readonly ContainerStatus[] | undefined,
): void {
  w.field(indent, heading);
  for (const c of containers) {
    const s = statuses?.find((st) => st.name === c.name);
    const i = indent + 1;
    w.field(i, c.name);
    if (statuses) w.field(i + 1, 'Container ID', s?.containerID ?? '');
    w.field(i + 1, 'Image', c.image);
    if (statuses) w.field(i + 1, 'Image ID', s?.imageID ?? '');
    const ports = (c.ports ?? []).map((p) => `${p.containerPort}/${p.protocol ?? 'TCP'}`);
    w.field(i + 1, ports.length > 1 ? 'Ports' : 'Port', ports.join(', ') || NONE);
    if (c.command?.length) w.field(i + 1, 'Command', c.command.join(' '));
    if (c.args?.length) w.field(i + 1, 'Args', c.args.join(' '));
    if (statuses) {
      writeState(w, i + 1, 'State', s?.state);
      writeState(w, i + 1, 'Last State', s?.lastState);
      w.field(i + 1, 'Ready', s?.ready ? 'True' : 'False');
      w.field(i + 1, 'Restart Count', String(s?.restartCount ?? 0));
    }
    const env = c.env ?? [];
    if (env.length === 0) w.field(i + 1, 'Environment', NONE);
    else {
      w.field(i + 1, 'Environment');
      for (const e of env) w.field(i + 2, e.name, envValue(e));
    }
    const mounts = c.volumeMounts ?? [];
    if (mounts.length === 0) w.field(i + 1, 'Mounts', NONE);
    else {
      w.field(i + 1, 'Mounts');
      for (const m of mounts) w.line(i + 2, `${m.mountPath} from ${m.name} (${m.readOnly ? 'ro' : 'rw'})`);
    }
  }
}
