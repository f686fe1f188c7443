// What the BFF sends the browser: slim, flat items built from stored objects,
// so the page never has to know the Kubernetes shapes (conditions, annotations,
// per-kind status fields).
import {
  CONFIRM_ANNOTATION,
  confirmedNodes,
  entriesOf,
  isWaitingForConfirmation,
  NodeAnnotations,
  nodeReadyCondition,
  type ActionStatus,
  type ImageStatus,
  type Node,
  type NodeTaskKind,
  type ResourceOf,
} from '@kedge/api';

export const JOB_KINDS = [
  'NodeUpgradeJob',
  'ImagePrePullJob',
  'ConfigUpdateJob',
] as const satisfies readonly NodeTaskKind[];
export type JobKind = (typeof JOB_KINDS)[number];

export function isJobKind(kind: string): kind is JobKind {
  return (JOB_KINDS as readonly string[]).includes(kind);
}

export interface NodeItem {
  name: string;
  /** The Ready condition's status; Unknown when the node has none. */
  ready: 'True' | 'False' | 'Unknown';
  reason: string;
  version: string;
  /** The cloudcore replica holding the node's session. */
  owner: string;
  labels: Record<string, string>;
  lastHeartbeat: string;
  created: string;
}

export function nodeItem(node: Node): NodeItem {
  const ready = nodeReadyCondition(node);
  const annotations = node.metadata.annotations ?? {};
  return {
    name: node.metadata.name,
    ready: ready?.status ?? 'Unknown',
    reason: [ready?.reason, ready?.message].filter((s) => s !== undefined && s !== '').join(': '),
    version: annotations[NodeAnnotations.edgecoreVersion] ?? node.status?.nodeInfo?.kubeletVersion ?? '',
    owner: annotations[NodeAnnotations.cloudcore] ?? '',
    labels: node.metadata.labels ?? {},
    lastHeartbeat: ready?.lastHeartbeatTime ?? '',
    created: node.metadata.creationTimestamp ?? '',
  };
}

export interface JobItem {
  kind: JobKind;
  name: string;
  phase: string;
  progress: string;
  reason: string;
  created: string;
  nodes: number;
  /** How many node entries are in each node phase. */
  counts: Record<string, number>;
}

type AnyJob = ResourceOf<JobKind>;

export function jobItem(kind: JobKind, job: AnyJob): JobItem {
  const counts: Record<string, number> = {};
  const entries = entriesOf(job);
  for (const e of entries) counts[e.phase] = (counts[e.phase] ?? 0) + 1;
  return {
    kind,
    name: job.metadata.name,
    phase: job.status?.phase ?? '',
    progress: job.status?.progress ?? '',
    reason: job.status?.reason ?? '',
    created: job.metadata.creationTimestamp ?? '',
    nodes: entries.length,
    counts,
  };
}

export interface JobNodeView {
  nodeName: string;
  phase: string;
  reason: string;
  startTime: string;
  dispatchedBy: string;
  actionFlow: ActionStatus[];
  currentVersion?: string;
  historicVersion?: string;
  imageStatus?: ImageStatus[];
  /** The node stopped in WaitingConfirmation and nobody confirmed it yet. */
  awaitingConfirmation: boolean;
  confirmed: boolean;
}

export interface JobDetail extends JobItem {
  spec: unknown;
  requireConfirmation: boolean;
  /** The confirm annotation as stored ("" when unset). */
  confirm: string;
  nodeStatus: JobNodeView[];
}

export function jobDetail(kind: JobKind, job: AnyJob): JobDetail {
  const requireConfirmation =
    kind === 'NodeUpgradeJob' && (job as ResourceOf<'NodeUpgradeJob'>).spec.requireConfirmation === true;
  const confirmed = confirmedNodes(job);
  const nodeStatus = entriesOf(job).map((e): JobNodeView => {
    const isConfirmed = confirmed === '*' || confirmed.has(e.nodeName);
    const view: JobNodeView = {
      nodeName: e.nodeName,
      phase: e.phase,
      reason: e.reason ?? '',
      startTime: e.startTime ?? '',
      dispatchedBy: e.dispatchedBy ?? '',
      actionFlow: e.actionFlow ?? [],
      awaitingConfirmation: !isConfirmed && isWaitingForConfirmation(job, e),
      confirmed: isConfirmed,
    };
    // the per-kind fields of an entry (upgrade versions, pre-pull image results)
    if ('currentVersion' in e && e.currentVersion !== undefined) view.currentVersion = e.currentVersion;
    if ('historicVersion' in e && e.historicVersion !== undefined) view.historicVersion = e.historicVersion;
    if ('imageStatus' in e && e.imageStatus !== undefined) view.imageStatus = e.imageStatus;
    return view;
  });
  return {
    ...jobItem(kind, job),
    spec: job.spec,
    requireConfirmation,
    confirm: job.metadata.annotations?.[CONFIRM_ANNOTATION] ?? '',
    nodeStatus,
  };
}
