// status.workloadStatus of an EdgeApplication: one entry per generated
// object with its identifier (the API version in `version`; upstream wrote
// the Kind there) and Processing or Available (a Deployment whose
// readyReplicas equals its replicas; any other object once it exists), plus
// a bare Processing entry for each manifest that produced nothing.
import { ManifestCondition, type EdgeApplication, type ManifestStatus, type ResourceOf } from '@kedge/api';
import type { ResourceStore } from '@kedge/store';
import type { ObjectIdentity, RenderedObject, RenderFailure } from './render-app.ts';

async function conditionOf(store: ResourceStore, r: RenderedObject): Promise<ManifestCondition> {
  const obj = await store.get(r.kind, r.identity.name, r.identity.namespace);
  if (obj === undefined) return ManifestCondition.Processing;
  if (r.kind !== 'Deployment') return ManifestCondition.Available;
  const d = obj as ResourceOf<'Deployment'>;
  const ready = d.status?.readyReplicas ?? 0;
  return ready === (d.spec.replicas ?? 1) ? ManifestCondition.Available : ManifestCondition.Processing;
}

/** Empty fields are left out, as upstream's omitempty does (the core group is ""). */
function entry(ordinal: number, id: ObjectIdentity | undefined, c: ManifestCondition): ManifestStatus {
  const fields = Object.entries(id ?? {}).filter(([, v]) => v !== '');
  return { identifier: { ordinal, ...Object.fromEntries(fields) }, conditions: c };
}

export async function workloadStatus(
  store: ResourceStore,
  app: EdgeApplication,
  objects: RenderedObject[],
  failures: RenderFailure[],
): Promise<ManifestStatus[]> {
  const out: ManifestStatus[] = [];
  for (const r of objects) out.push(entry(r.ordinal, r.identity, await conditionOf(store, r)));
  for (const f of failures) {
    if (f.identity !== undefined) out.push(entry(f.ordinal, f.identity, ManifestCondition.Processing));
  }
  const covered = new Set(out.map((s) => s.identifier.ordinal));
  app.spec.workloadTemplate.manifests.forEach((_, ordinal) => {
    if (!covered.has(ordinal)) out.push(entry(ordinal, undefined, ManifestCondition.Processing));
  });
  return out.sort(
    (a, b) =>
      a.identifier.ordinal - b.identifier.ordinal ||
      (a.identifier.name ?? '').localeCompare(b.identifier.name ?? ''),
  );
}
