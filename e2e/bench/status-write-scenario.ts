// What the status-write benchmark does to a store, the same on either
// backend: a NodeUpgradeJob over N nodes, claimed (every entry InProgress),
// then the nodes' action reports applied the way cloudcore's JobStatusWriter
// applies them (read the job, apply a batch of reports, updateStatus, retry
// from a fresh read on conflict), by one or two writers (replicas). And the
// size probe: the largest nodeStatus a store accepts in one write.
import { hasCode, rfc3339, type ResourceOf } from '@kedge/api';
import type { ResourceStore } from '@kedge/store';

type Job = ResourceOf<'NodeUpgradeJob'>;
type Entry = NonNullable<NonNullable<Job['status']>['nodeStatus']>[number];

export const ACTIONS = ['Check', 'WaitingConfirmation', 'Backup', 'Upgrade'] as const;
/** A replica id as a Deployment's pod names look. */
const REPLICA = 'cloudcore-7d9f8b6c4-x2x9k';
const T = rfc3339(new Date(Date.parse('2030-01-01T00:00:00Z')));

const nodeName = (i: number): string => `edge-node-${String(i).padStart(5, '0')}`;

function jobObject(name: string, nodes: number, withNodeNames = false): Job {
  return {
    apiVersion: 'operations.kubeedge.io/v1alpha2',
    kind: 'NodeUpgradeJob',
    metadata: { name },
    spec: {
      version: 'v1.21.0',
      ...(withNodeNames
        ? { nodeNames: Array.from({ length: nodes }, (_, i) => nodeName(i)) }
        : { labelSelector: { matchLabels: { 'node-role.kubernetes.io/edge': '' } } }),
      concurrency: nodes,
      timeoutSeconds: 3600,
      failureTolerate: '0.1',
    },
  } as Job;
}

export type EntryShape = 'pending' | 'claimed' | 'successful' | 'failed';

/** One realistic entry: as controllermanager initialises it, as claimed, or finished. */
function entry(i: number, shape: EntryShape): Entry {
  const name = nodeName(i);
  if (shape === 'pending') return { nodeName: name, phase: 'Pending' };
  const claimed: Entry = { nodeName: name, phase: 'InProgress', startTime: T, dispatchedBy: REPLICA };
  if (shape === 'claimed') return claimed;
  const ok = (action: string) => ({ action, status: 'True', time: T });
  if (shape === 'successful') {
    return {
      ...claimed,
      phase: 'Successful',
      actionFlow: ACTIONS.map(ok),
      currentVersion: 'v1.21.0',
      historicVersion: 'v1.20.0',
    } as Entry;
  }
  return {
    ...claimed,
    phase: 'Failure',
    reason:
      'upgrade to v1.21.0 failed: v1.21.0 did not come up healthy and connected within 120s; rolled back to v1.20.0',
    actionFlow: [
      ok('Check'),
      ok('WaitingConfirmation'),
      ok('Backup'),
      {
        action: 'Upgrade',
        status: 'False',
        reason: 'v1.21.0 did not come up healthy and connected within 120s',
        time: T,
      },
      ok('Rollback'),
    ],
    currentVersion: 'v1.20.0',
    historicVersion: 'v1.20.0',
  } as Entry;
}

function statusOf(nodes: number, shape: EntryShape): Job['status'] {
  return {
    phase: shape === 'pending' ? 'Init' : 'InProgress',
    progress: `0/${nodes} done, 0 failed`,
    nodeStatus: Array.from({ length: nodes }, (_, i) => entry(i, shape)),
  } as Job['status'];
}

/** Creates the job and writes its status (as controllermanager then cloudcore's claim would). */
export async function createJobWithStatus(
  store: ResourceStore,
  name: string,
  nodes: number,
  shape: EntryShape,
  withNodeNames = false,
): Promise<Job> {
  const created = await store.create('NodeUpgradeJob', jobObject(name, nodes, withNodeNames));
  return store.updateStatus('NodeUpgradeJob', { ...created, status: statusOf(nodes, shape) });
}

export interface Report {
  node: number;
  action: number;
}

/** Every node's four reports, action by action (all nodes Check, then all WaitingConfirmation, ...). */
export function allReports(nodes: number): Report[] {
  const out: Report[] = [];
  for (let action = 0; action < ACTIONS.length; action++)
    for (let node = 0; node < nodes; node++) out.push({ node, action });
  return out;
}

function apply(job: Job, r: Report): void {
  const e = job.status?.nodeStatus?.[r.node];
  if (!e) throw new Error(`no entry ${r.node}`);
  const action = ACTIONS[r.action] ?? 'Check';
  if (e.actionFlow?.some((a) => a.action === action)) return; // idempotent, as cloudcore's
  e.actionFlow = [...(e.actionFlow ?? []), { action, status: 'True', time: T }];
  if (r.action === ACTIONS.length - 1) {
    e.phase = 'Successful';
    e.currentVersion = 'v1.21.0';
    e.historicVersion = 'v1.20.0';
  }
}

export interface WriterStats {
  writes: number;
  reports: number;
  conflicts: number;
  /** Milliseconds per successful read-modify-write (its last attempt). */
  latencies: number[];
  /** JSON bytes of each object written. */
  bytes: number[];
}

export const emptyStats = (): WriterStats => ({
  writes: 0,
  reports: 0,
  conflicts: 0,
  latencies: [],
  bytes: [],
});

/** Drains `queue` in batches of `batch` reports per write, at most `maxWrites` writes. */
export async function drain(
  store: ResourceStore,
  name: string,
  queue: Report[],
  batch: number,
  maxWrites: number,
  stats: WriterStats,
): Promise<void> {
  while (queue.length > 0 && stats.writes < maxWrites) {
    const take = queue.splice(0, batch);
    for (;;) {
      const t0 = performance.now();
      const job = structuredClone(await store.get('NodeUpgradeJob', name)) as Job;
      for (const r of take) apply(job, r);
      try {
        await store.updateStatus('NodeUpgradeJob', job);
      } catch (err: unknown) {
        if (hasCode(err, 'KEDGE_STORE_CONFLICT')) {
          stats.conflicts++;
          continue;
        }
        throw err;
      }
      stats.latencies.push(performance.now() - t0);
      stats.bytes.push(JSON.stringify(job).length);
      stats.writes++;
      stats.reports += take.length;
      break;
    }
  }
}

/** Entries whose every applied report is in the stored job (a lost write would show here). */
export async function countComplete(store: ResourceStore, name: string): Promise<number> {
  const job = await store.get('NodeUpgradeJob', name);
  return (job?.status?.nodeStatus ?? []).filter((e) => (e.actionFlow?.length ?? 0) === ACTIONS.length).length;
}

export type Probe = { ok: true; bytes: number } | { ok: false; bytes: number; error: string };

/** Whether `store` takes a job of `nodes` entries shaped `shape` in one status write. */
export async function probeSize(
  store: ResourceStore,
  name: string,
  nodes: number,
  shape: EntryShape,
  withNodeNames: boolean,
): Promise<Probe> {
  const job = { ...jobObject(name, nodes, withNodeNames), status: statusOf(nodes, shape) };
  const bytes = JSON.stringify(job).length;
  try {
    await createJobWithStatus(store, name, nodes, shape, withNodeNames);
    return { ok: true, bytes };
  } catch (err: unknown) {
    return { ok: false, bytes, error: err instanceof Error ? err.message : String(err) };
  } finally {
    await store.delete('NodeUpgradeJob', name).catch(() => undefined);
  }
}
