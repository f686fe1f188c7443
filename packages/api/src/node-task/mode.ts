// Which node task API a job belongs to, and which one a process runs
// (docs/node-tasks.md, "v1alpha1 mode and the feature gate").
// - Objects are stored at v1alpha2 whatever version they were written at, so
//   the version a job was created at is recorded in the annotation
//   `operations.kedge.io/created-as`: the embedded store and kedge's own
//   clients set it on create (recordServedVersion); for objects created by
//   anyone else on a kube-apiserver (kubectl, client-go), the Kubernetes store
//   derives it from what the API server recorded, metadata.managedFields
//   (createdAsFromManagedFields), and the controllers' next write keeps it.
//   A NodeUpgradeJob or ImagePrePullJob created as v1alpha1 is a v1alpha1 job;
//   everything else (ConfigUpdateJob always) is a v1alpha2 job.
// - The feature gate disableNodeTaskV1alpha2 picks a process's mode. A process
//   touches only jobs of its own mode; each process also records its mode in
//   the ConfigMap kubeedge/kedge-node-task-mode (one data key per process), so
//   that a process can tell when the others were started with the other mode.
import { kinds, apiVersionOf, type KindName, type ResourceKind } from '../kinds.ts';
import { NODE_TASK_GROUP } from '../resources/node-task-common.ts';

/** The apiVersion an object was created with, when that is not the storage version. */
export const CREATED_AS_ANNOTATION = 'operations.kedge.io/created-as';

/**
 * A copy of `input` with CREATED_AS_ANNOTATION set when it is written at a
 * served version other than the storage one (the store calls this on create);
 * `input` itself otherwise.
 */
export function recordServedVersion<T>(kind: KindName, input: T): T {
  const k: ResourceKind = kinds[kind];
  const obj = input as { apiVersion?: unknown; metadata?: { annotations?: Record<string, string> } } | null;
  if (typeof obj !== 'object' || obj === null || typeof obj.apiVersion !== 'string') return input;
  if (obj.apiVersion === apiVersionOf(k)) return input;
  const served = k.alsoServed.map((v) => apiVersionOf(k, v));
  if (!served.includes(obj.apiVersion) || typeof obj.metadata !== 'object' || obj.metadata === null)
    return input;
  const annotations = { ...obj.metadata.annotations, [CREATED_AS_ANNOTATION]: obj.apiVersion };
  return { ...obj, metadata: { ...obj.metadata, annotations } } as T;
}

/** One metadata.managedFields entry, as far as it matters here. */
export interface ManagedFieldsEntry {
  manager?: string | undefined;
  operation?: string | undefined;
  apiVersion?: string | undefined;
  time?: string | undefined;
  subresource?: string | undefined;
}

/**
 * The apiVersion the object was created at, from the API server's
 * managedFields: the entries written through the main resource (not /status)
 * at the earliest time; when several share that second (the creator and a
 * controller reacting at once), the one at a served version other than the
 * storage one wins, since kedge itself writes only at the storage version.
 * Undefined when nothing says (no entries).
 */
export function createdAsFromManagedFields(
  kind: KindName,
  entries: readonly ManagedFieldsEntry[] | undefined,
): string | undefined {
  const main = (entries ?? []).filter(
    (e) => (e.subresource ?? '') === '' && typeof e.apiVersion === 'string' && e.apiVersion !== '',
  );
  if (main.length === 0) return undefined;
  const second = (e: ManagedFieldsEntry): number => Date.parse(e.time ?? '') || Number.MAX_SAFE_INTEGER;
  const first = Math.min(...main.map(second));
  const earliest = main.filter((e) => second(e) === first);
  const storage = apiVersionOf(kinds[kind]);
  return (earliest.find((e) => e.apiVersion !== storage) ?? earliest[0])?.apiVersion;
}

/**
 * `metadata` with CREATED_AS_ANNOTATION set from `managedFields` when they say
 * the object was created at a served version other than the storage one and
 * no annotation says otherwise; `metadata` itself otherwise.
 */
export function withCreatedAsFromManagedFields<
  M extends { annotations?: Record<string, string> | undefined },
>(kind: KindName, metadata: M, managedFields: readonly ManagedFieldsEntry[] | undefined): M {
  if (metadata.annotations?.[CREATED_AS_ANNOTATION] !== undefined) return metadata;
  const k: ResourceKind = kinds[kind];
  const createdAs = createdAsFromManagedFields(kind, managedFields);
  if (createdAs === undefined || !k.alsoServed.map((v) => apiVersionOf(k, v)).includes(createdAs)) {
    return metadata;
  }
  return { ...metadata, annotations: { ...metadata.annotations, [CREATED_AS_ANNOTATION]: createdAs } };
}

export const NodeTaskMode = { v1alpha1: 'v1alpha1', v1alpha2: 'v1alpha2' } as const;
export type NodeTaskMode = (typeof NodeTaskMode)[keyof typeof NodeTaskMode];

/** The mode a process runs for its feature gate. */
export function nodeTaskModeOf(disableNodeTaskV1alpha2: boolean): NodeTaskMode {
  return disableNodeTaskV1alpha2 ? NodeTaskMode.v1alpha1 : NodeTaskMode.v1alpha2;
}

/** The API a job belongs to: v1alpha1 when it was created as operations.kubeedge.io/v1alpha1. */
export function nodeTaskVersionOf(job: {
  kind: string;
  metadata: { annotations?: Record<string, string> | undefined };
}): NodeTaskMode {
  const createdAs = job.metadata.annotations?.[CREATED_AS_ANNOTATION];
  return createdAs === `${NODE_TASK_GROUP}/v1alpha1` && job.kind !== 'ConfigUpdateJob'
    ? NodeTaskMode.v1alpha1
    : NodeTaskMode.v1alpha2;
}

/** How to get a process into `mode`, for messages. */
function gateSettingFor(mode: NodeTaskMode, process: 'cloudcore' | 'controllermanager'): string {
  const on = mode === NodeTaskMode.v1alpha1;
  return process === 'cloudcore'
    ? `featureGates.disableNodeTaskV1alpha2: ${on} in cloudcore.yaml`
    : `--feature-gates=disableNodeTaskV1alpha2=${on} on controllermanager`;
}

/** Where processes record their mode: ConfigMap kubeedge/kedge-node-task-mode. */
export const NODE_TASK_MODE_CONFIGMAP = { namespace: 'kubeedge', name: 'kedge-node-task-mode' } as const;

/** The ConfigMap data key of one process: `controllermanager`, `cloudcore.<replicaId>`. */
export function nodeTaskModeKey(process: 'cloudcore' | 'controllermanager', replicaId?: string): string {
  return process === 'cloudcore' ? `cloudcore.${replicaId ?? ''}` : 'controllermanager';
}

/** The processes in `data` whose mode differs from `mode`, as `key=mode`. */
export function disagreeingModes(
  data: Readonly<Record<string, string>> | undefined,
  mode: NodeTaskMode,
  self: string,
): string[] {
  return Object.entries(data ?? {})
    .filter(([key, value]) => key !== self && value !== mode)
    .map(([key, value]) => `${key}=${value}`)
    .sort();
}

/**
 * Why `process` (running `mode`) leaves `job` alone, for its log: the job's
 * API, the process's mode and the setting that would change it, and the
 * processes recorded with the other mode (`others`, from disagreeingModes).
 */
export function modeRefusalMessage(options: {
  job: { kind: string; metadata: { name: string; annotations?: Record<string, string> | undefined } };
  mode: NodeTaskMode;
  process: 'cloudcore' | 'controllermanager';
  others: readonly string[];
}): string {
  const { job, mode, process, others } = options;
  const version = nodeTaskVersionOf(job);
  const self = `this ${process} runs the ${mode} node tasks (${gateSettingFor(mode, process)})`;
  const what = `${job.kind} ${job.metadata.name}`;
  let message =
    job.kind === 'ConfigUpdateJob' && mode === NodeTaskMode.v1alpha1
      ? `${what} is not handled: ${self}, and v1alpha1 has no ConfigUpdateJob`
      : `${what} is a ${version} job; ${self}, so it leaves the job alone (${gateSettingFor(version, process)} runs it)`;
  if (others.length > 0) {
    message +=
      `; the feature gates disagree: ${others.join(', ')} ` +
      '(set disableNodeTaskV1alpha2 the same in cloudcore.yaml and on controllermanager)';
  }
  return message;
}

/** How a job's status.reason starts when a controller leaves it to the other node task API. */
const MODE_SKIP_REASON_PREFIX = 'KEDGE_TASK_MODE_MISMATCH: ';

/**
 * The status controllermanager gives a job of the other API (nothing else
 * would, so without it `kubectl get` shows no reason at all): phase Init, no
 * node entries, and a reason that says which gate runs it.
 */
export function modeSkipStatus(
  job: { kind: string; metadata: { name: string; annotations?: Record<string, string> | undefined } },
  mode: NodeTaskMode,
): { phase: 'Init'; reason: string } {
  const why = modeRefusalMessage({ job, mode, process: 'controllermanager', others: [] });
  return { phase: 'Init', reason: `${MODE_SKIP_REASON_PREFIX}${why}` };
}

/** True for a status written by modeSkipStatus: the job is still to be initialised by its own controller. */
export function isModeSkipStatus(status: unknown): boolean {
  if (typeof status !== 'object' || status === null) return false;
  const s = status as { reason?: unknown; nodeStatus?: unknown; state?: unknown; status?: unknown };
  return (
    typeof s.reason === 'string' &&
    s.reason.startsWith(MODE_SKIP_REASON_PREFIX) &&
    s.nodeStatus === undefined &&
    s.state === undefined &&
    s.status === undefined
  );
}
