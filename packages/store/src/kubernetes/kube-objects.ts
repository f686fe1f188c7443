// Objects on their way to and from the API server. Outgoing objects pass the
// same checks and zod schemas as in the embedded store (write-rules.ts), so
// a bad object fails before any request with the same message. Incoming
// objects are made to read like the embedded store's: `null` fields (unset
// times) and metadata.managedFields dropped (what they say about the version
// a job was created at is kept as the created-as annotation), apiVersion/kind
// filled in on list items.
import {
  KedgeError,
  kinds,
  withCreatedAsFromManagedFields,
  type KindName,
  type ManagedFieldsEntry,
} from '@kedge/api';
import { refOfObject, refString, type ObjectRef, type StoredObject } from '../object-ref.ts';
import { dropCallerStatus, normalizeInput, validateObject } from '../write-rules.ts';
import { storageApiVersion } from './kube-paths.ts';

function dropNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(dropNulls);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (v !== null) out[k] = dropNulls(v);
  }
  return out;
}

/** An object as the API server returned it, in the shape kedge stores. */
export function fromServer<T>(kind: KindName, raw: unknown): T {
  const obj = dropNulls(raw) as StoredObject;
  const { managedFields, ...rest } = obj.metadata ?? { name: '' };
  // The version a job was created at, when a client other than kedge created it (kubectl).
  const metadata = withCreatedAsFromManagedFields(
    kind,
    rest,
    managedFields as ManagedFieldsEntry[] | undefined,
  );
  return { ...obj, apiVersion: storageApiVersion(kind), kind: kinds[kind].kind, metadata } as T;
}

/** The body of a create: checked and validated; server-owned metadata and the caller's status left out. */
export function createBody(kind: KindName, input: unknown): { ref: ObjectRef; body: StoredObject } {
  const obj = normalizeInput(kind, input);
  const ref = refOfObject(kind, obj);
  const {
    namespace: _ns,
    uid: _uid,
    resourceVersion,
    generation: _gen,
    creationTimestamp: _ct,
    deletionTimestamp: _dt,
    managedFields: _mf,
    ...rest
  } = obj.metadata;
  if (resourceVersion !== undefined && resourceVersion !== '') {
    const where = refString(ref);
    throw new KedgeError(
      'KEDGE_RESOURCE_INVALID',
      `${where}: metadata.resourceVersion: must not be set on create`,
      { resource: where, fields: ['metadata.resourceVersion: must not be set on create'] },
    );
  }
  obj.metadata = { ...rest, ...(ref.namespace ? { namespace: ref.namespace } : {}) };
  // kube-apiserver keeps a Node's status on create: the store does not let it through.
  dropCallerStatus(obj);
  return { ref, body: validateObject(ref, obj) };
}

/** The body of an update or status update: checked and validated, resourceVersion kept. */
export function updateBody(kind: KindName, input: unknown): { ref: ObjectRef; body: StoredObject } {
  const obj = normalizeInput(kind, input);
  const ref = refOfObject(kind, obj);
  const { managedFields: _mf, ...metadata } = obj.metadata;
  obj.metadata = { ...metadata, name: ref.name, ...(ref.namespace ? { namespace: ref.namespace } : {}) };
  // With a status subresource the server ignores status on the main resource; without one there is none.
  if (!kinds[kind].statusSubresource) dropCallerStatus(obj);
  return { ref, body: validateObject(ref, obj) };
}
