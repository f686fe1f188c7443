// How big a job's object grows once every node has reported, estimated when
// the job is initialised, so that a job which would outgrow what one object
// may hold on the store (etcd refuses a write over --max-request-bytes,
// 1.5 MiB by default) is refused at once with a reason, instead of breaking
// mid-rollout when cloudcore's report writes start failing
// (docs/large-jobs.md). The estimate is deliberately pessimistic: every node
// ends as a failure that went through the kind's longest action flow, with
// a reason of REASON_BUDGET characters on the job entry and on the failed
// action, and (ImagePrePullJob) a failed status with a reason per image.
import {
  ACTION_FLOWS,
  type ActionName,
  type NodeTaskJob,
  type NodeTaskKind,
  rfc3339,
  rolloutPath,
  taskTypeOf,
} from '@kedge/api';

/** Characters budgeted for one reason (KubeEdge-style reasons are ~60-150). */
const REASON_BUDGET = 200;
/** Characters budgeted for a replica id (a Deployment pod name is ~25-60). */
const REPLICA_BUDGET = 63;
/** etcd's default --max-request-bytes (1.5 MiB) less room for managedFields and the request's key. */
export const KUBERNETES_MAX_JOB_BYTES = 1_400_000;

const reason = 'x'.repeat(REASON_BUDGET);
const TIME = rfc3339(new Date(0));

/** The longest action path of a kind's flow (successes, then the failure branch). */
function longestFlow(kind: NodeTaskKind): ActionName[] {
  const flow = ACTION_FLOWS[taskTypeOf(kind)];
  const walk = (action: ActionName | undefined, seen: ActionName[]): ActionName[] => {
    if (action === undefined || seen.includes(action)) return seen;
    const step = flow.steps[action];
    const next = [step?.onSuccess, step?.onFailure].filter((a): a is ActionName => a !== undefined);
    const paths = next.map((n) => walk(n, [...seen, action]));
    return paths.reduce((best, p) => (p.length > best.length ? p : best), [...seen, action]);
  };
  return walk(flow.first, []);
}

function imagesOf(job: NodeTaskJob): string[] {
  if (job.kind !== 'ImagePrePullJob') return [];
  return (job.spec as { imagePrePullTemplate?: { images?: string[] } }).imagePrePullTemplate?.images ?? [];
}

/** JSON bytes of one finished entry of `job` for a node named with `nameLength` characters. */
function finishedEntryBytes(job: NodeTaskJob, nameLength: number): number {
  const kind = job.kind as NodeTaskKind;
  const actions = longestFlow(kind);
  const version = (job.spec as { version?: string }).version ?? '';
  const entry = {
    nodeName: 'n'.repeat(nameLength),
    phase: 'Failure',
    reason,
    actionFlow: actions.map((action, i) => ({
      action,
      status: i === actions.length - 2 ? 'False' : 'True',
      ...(i === actions.length - 2 ? { reason } : {}),
      time: TIME,
    })),
    startTime: TIME,
    dispatchedBy: 'r'.repeat(REPLICA_BUDGET),
    ...(kind === 'NodeUpgradeJob' ? { currentVersion: version, historicVersion: version } : {}),
    ...(kind === 'ImagePrePullJob'
      ? { imageStatus: imagesOf(job).map((image) => ({ image, status: 'False', reason })) }
      : {}),
  };
  return JSON.stringify(entry).length + 1; // the comma between entries
}

/** Estimated JSON bytes of `job` once each of `nodeNames` has a finished entry. */
export function finishedJobBytes(job: NodeTaskJob, nodeNames: readonly string[]): number {
  const base = JSON.stringify({
    ...job,
    status: {
      phase: 'Failure',
      reason,
      progress: `${nodeNames.length}/${nodeNames.length} done, 0 failed`,
      nodeStatus: [],
    },
  }).length;
  const perEmptyName = finishedEntryBytes(job, 0);
  return nodeNames.reduce((sum, name) => sum + perEmptyName + name.length, base);
}

const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

/**
 * Why a job over `nodeNames` may not run on a store that takes objects up to
 * `maxBytes` (0 = no limit), or undefined when it fits.
 */
export function jobSizeProblem(
  job: NodeTaskJob,
  nodeNames: readonly string[],
  maxBytes: number,
): string | undefined {
  if (maxBytes <= 0 || nodeNames.length === 0) return undefined;
  const estimate = finishedJobBytes(job, nodeNames);
  if (estimate <= maxBytes) return undefined;
  const perNode = Math.ceil((estimate - finishedJobBytes(job, [])) / nodeNames.length);
  const fits = Math.max(1, Math.floor((maxBytes - finishedJobBytes(job, [])) / perNode));
  return (
    `${nodeNames.length} nodes selected, but once every node has reported this ${job.kind} would be about ` +
    `${mib(estimate)} (up to ${perNode} bytes per node), more than the ${mib(maxBytes)} one object may hold on ` +
    `this store (nodeTask.maxJobBytes); split it into jobs of at most ${fits} nodes, e.g. with ` +
    `${rolloutPath(job.kind as NodeTaskKind)}labelSelector`
  );
}
