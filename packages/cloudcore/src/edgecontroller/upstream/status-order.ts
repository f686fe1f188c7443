// Whether a pod status a node reports is older than the one stored (pure).
// Reports can arrive out of order: an old one re-sent from the edge outbox
// after a reconnect, or a node that moved between replicas. A status never
// goes back: not from a finished phase to a running one, not to fewer
// container restarts, not to an older last transition than the stored one.
import type { PodStatus } from '@kedge/api';

const terminal = (s: PodStatus | undefined) => s?.phase === 'Succeeded' || s?.phase === 'Failed';

function restarts(s: PodStatus | undefined): number {
  const all = [...(s?.containerStatuses ?? []), ...(s?.initContainerStatuses ?? [])];
  return all.reduce((n, c) => n + (c.restartCount ?? 0), 0);
}

/** The latest timestamp the node wrote in a status (conditions, container states), ms since epoch; 0 when none. */
function latest(s: PodStatus | undefined): number {
  const stamps: (string | undefined)[] = [s?.startTime];
  // PodScheduled is the scheduler's (cloud clock); the rest is the node's own clock.
  for (const c of s?.conditions ?? []) if (c.type !== 'PodScheduled') stamps.push(c.lastTransitionTime);
  for (const c of [...(s?.containerStatuses ?? []), ...(s?.initContainerStatuses ?? [])]) {
    for (const st of [c.state, c.lastState])
      stamps.push(st?.running?.startedAt, st?.terminated?.startedAt, st?.terminated?.finishedAt);
  }
  return Math.max(0, ...stamps.map((t) => (t ? Date.parse(t) || 0 : 0)));
}

/** Why `incoming` is older than `stored`, or undefined when it may be written. */
export function olderStatus(incoming: PodStatus, stored: PodStatus | undefined): string | undefined {
  if (!stored) return undefined;
  if (terminal(stored) && !terminal(incoming))
    return `phase ${incoming.phase ?? '(none)'} after the pod finished (${stored.phase})`;
  if (restarts(incoming) < restarts(stored))
    return `${restarts(incoming)} container restarts, ${restarts(stored)} stored`;
  if (latest(incoming) < latest(stored)) return 'its latest transition is older than the stored one';
  return undefined;
}
