// Where each kind lives on a Kubernetes API server, read from `kinds`:
// `/api/v1/...` for the core group, `/apis/<group>/<version>/...` otherwise,
// with `/namespaces/<ns>` for namespaced kinds and `/status` for the
// status subresource.
import { apiVersionOf, kinds, type KindName, type ResourceKind } from '@kedge/api';
import type { ObjectRef } from '../object-ref.ts';

export type Subresource = 'status';

function groupVersionPath(k: ResourceKind): string {
  return k.group === '' ? `/api/${k.version}` : `/apis/${k.group}/${k.version}`;
}

/** The collection of `kind`, in one namespace or (namespace omitted) across all of them. */
export function collectionPath(kind: KindName, namespace?: string): string {
  const k: ResourceKind = kinds[kind];
  const ns = k.scope === 'Namespaced' && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${groupVersionPath(k)}${ns}/${k.plural}`;
}

export function objectPath(ref: ObjectRef, subresource?: Subresource): string {
  const base = `${collectionPath(ref.kind, ref.namespace || undefined)}/${encodeURIComponent(ref.name)}`;
  return subresource ? `${base}/${subresource}` : base;
}

/** The resource as RBAC names it: `nodes`, `nodeupgradejobs/status`. */
export function rbacResource(kind: KindName, subresource?: Subresource): string {
  const plural = kinds[kind].plural;
  return subresource ? `${plural}/${subresource}` : plural;
}

/** The API group ('' for core), as RBAC rules and error messages name it. */
export function apiGroupOf(kind: KindName): string {
  return kinds[kind].group;
}

/** `nodeupgradejobs.operations.kubeedge.io/v1alpha2` or `nodes/v1`, for messages. */
export function resourceLabel(kind: KindName): string {
  const k: ResourceKind = kinds[kind];
  return k.group === '' ? `${k.plural}/${k.version}` : `${k.plural}.${k.group}/${k.version}`;
}

/** The storage apiVersion list items are returned at (lists of built-in kinds omit it per item). */
export function storageApiVersion(kind: KindName): string {
  return apiVersionOf(kinds[kind]);
}
