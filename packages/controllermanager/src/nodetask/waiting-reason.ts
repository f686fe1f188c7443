// Why a Pending entry is still waiting, when the cause is its node: a node
// that is NotReady (or gone) after the job selected it is never claimed by a
// cloudcore, and its entry used to sit Pending with no reason while the job
// stayed InProgress. The reason names the node's Ready condition and what
// starts the task; it goes as soon as the node is Ready again (a Pending entry
// of a Ready node waits only for its turn under `concurrency`).
import { nodeReadyCondition, NodeTaskPhase, type TaskEntry, type TaskStatus } from '@kedge/api';
import type { NodeLookup } from './select-nodes.ts';

const WAITING_REASON_PREFIX = 'waiting for node ';

function waitingReason(nodeName: string, nodes: NodeLookup): string | undefined {
  const node = nodes.get(nodeName);
  if (node === undefined) {
    return `${WAITING_REASON_PREFIX}${nodeName}: it is not registered (deleted?); the task starts if it joins again`;
  }
  const ready = nodeReadyCondition(node);
  if (ready?.status === 'True') return undefined;
  const state =
    ready === undefined ? 'no Ready condition' : ready.status === 'False' ? 'NotReady' : 'Ready Unknown';
  const since = ready?.lastTransitionTime ? ` since ${ready.lastTransitionTime}` : '';
  const why = [ready?.reason, ready?.message].filter((s) => s !== undefined && s !== '').join(': ');
  return `${WAITING_REASON_PREFIX}${nodeName}: ${state}${since}${why ? ` (${why})` : ''}; the task starts when it is Ready and connected`;
}

/**
 * `status` with a waiting reason on each Pending entry whose node is not
 * Ready, and without it on every other entry; other reasons are kept.
 * Returns `status` itself when nothing changes.
 */
export function withWaitingReasons<S extends TaskStatus>(status: S, nodes: NodeLookup): S {
  const entries = status.nodeStatus;
  if (entries === undefined) return status;
  let out: TaskEntry[] | undefined;
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i] as TaskEntry;
    if (entry.reason !== undefined && !entry.reason.startsWith(WAITING_REASON_PREFIX)) continue;
    // Claimed by a cloudcore (the node came back) or ended: the wait is over.
    const reason = entry.phase === NodeTaskPhase.Pending ? waitingReason(entry.nodeName, nodes) : undefined;
    if (reason === entry.reason) continue;
    out ??= entries.slice();
    const { reason: _old, ...rest } = entry;
    out[i] = reason === undefined ? rest : { ...rest, reason };
  }
  return out === undefined ? status : { ...status, nodeStatus: out };
}
