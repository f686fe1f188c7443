// The object-sync planner (pure): what one node must be sent, from the
// objects it should hold (its desired set) and the persisted ObjectSync
// records of what it acked. Deletes come first (an object re-created under
// the same name is a delete of the old UID, then an insert of the new one).
// A record with an empty resourceVersion means "sent, ack not yet seen":
// written before the first send, so an object deleted while cloudcore was
// down is still deleted on the edge afterwards.
import type { Pod } from '@kedge/api';
import { sameFilteredView } from './endpoint-filter.ts';
import { objectKey, podReferences, type SyncedKind } from './pod-references.ts';

/** One object of a node's desired set. */
export interface DesiredObject {
  uid: string;
  kind: SyncedKind;
  namespace: string;
  name: string;
  resourceVersion: string;
  object: unknown;
}

/** What the node acked for one object UID (KubeEdge's ObjectSync spec + status). */
export interface SyncRecord {
  kind: SyncedKind;
  namespace: string;
  name: string;
  /** The acked version; '' = sent, not acked yet. */
  resourceVersion: string;
}

export type SyncStep =
  { op: 'insert' | 'update'; target: DesiredObject } | { op: 'delete'; uid: string; record: SyncRecord };

/** In flight on the node's session: the version (or 'delete') sent and not yet acked, by UID. */
export type InFlight = ReadonlyMap<string, string>;

/**
 * `a` newer than `b`: numeric when both are (uint64, as Kubernetes'), else any difference; never
 * for two filtered EndpointSlice copies with the same view (endpoint-filter.ts).
 */
export function isNewerVersion(a: string, b: string): boolean {
  if (b === '') return a !== '';
  if (sameFilteredView(a, b)) return false;
  if (/^\d+$/.test(a) && /^\d+$/.test(b)) return BigInt(a) > BigInt(b);
  return a !== b;
}

type Lookup = (kind: 'ConfigMap' | 'Secret', namespace: string, name: string) => unknown;

interface Meta {
  uid?: string;
  resourceVersion?: string;
  name: string;
  namespace?: string;
}

/** The node's desired set: its pods and the ConfigMaps/Secrets they reference that exist. */
export function desiredObjects(pods: Iterable<Pod>, lookup: Lookup): DesiredObject[] {
  const out = new Map<string, DesiredObject>();
  const add = (kind: SyncedKind, object: unknown) => {
    const m = (object as { metadata: Meta }).metadata;
    if (!m.uid) return;
    const namespace = m.namespace ?? 'default';
    out.set(objectKey(kind, namespace, m.name), {
      uid: m.uid,
      kind,
      namespace,
      name: m.name,
      resourceVersion: m.resourceVersion ?? '',
      object,
    });
  };
  for (const pod of pods) {
    add('Pod', pod);
    for (const ref of podReferences(pod)) {
      const [kind, namespace, name] = ref.split('/') as ['ConfigMap' | 'Secret', string, string];
      if (out.has(ref)) continue;
      const object = lookup(kind, namespace, name);
      if (object !== undefined) add(kind, object);
    }
  }
  return [...out.values()];
}

/** The steps that bring the node from its records to its desired set, skipping what is in flight. */
export function planSync(
  desired: readonly DesiredObject[],
  records: ReadonlyMap<string, SyncRecord>,
  inFlight: InFlight = new Map(),
): SyncStep[] {
  const wanted = new Map(desired.map((d) => [d.uid, d]));
  const steps: SyncStep[] = [];
  for (const [uid, record] of records) {
    if (!wanted.has(uid) && inFlight.get(uid) !== 'delete') steps.push({ op: 'delete', uid, record });
  }
  for (const target of desired) {
    const record = records.get(target.uid);
    const sent = inFlight.get(target.uid);
    if (sent === target.resourceVersion) continue;
    if (sent !== undefined && sameFilteredView(sent, target.resourceVersion)) continue;
    if (!record) steps.push({ op: 'insert', target });
    else if (isNewerVersion(target.resourceVersion, record.resourceVersion))
      steps.push({ op: 'update', target });
  }
  return steps;
}
