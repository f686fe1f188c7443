// The Kubernetes rules for what a write stores, as pure functions over plain
// objects: which metadata the server owns, how the status subresource splits
// spec from status, when generation moves, and the schema check every write
// passes. The SQLite backend applies them inside its write transaction.
import { isDeepStrictEqual } from 'node:util';
import {
  apiVersionOf,
  kinds,
  KedgeError,
  isKedgeError,
  recordServedVersion,
  validateAs,
  type KindName,
  type ResourceKind,
} from '@kedge/api';
import { refLabel, refOfObject, refString, type ObjectRef, type StoredObject } from './object-ref.ts';

export interface PreparedWrite {
  object: StoredObject;
  /** False when the write would store exactly what is there (no new version, no event). */
  changed: boolean;
}

function invalid(ref: string, field: string, problem: string): KedgeError {
  return new KedgeError('KEDGE_RESOURCE_INVALID', `${ref}: ${field}: ${problem}`, {
    resource: ref,
    fields: [`${field}: ${problem}`],
  });
}

/**
 * A detached JSON copy of a caller's object with apiVersion and kind checked
 * (filled in when missing; another served version becomes the storage one).
 */
export function normalizeInput(kind: KindName, input: unknown): StoredObject {
  const k: ResourceKind = kinds[kind];
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw invalid(kind, '(root)', 'expected an object');
  }
  const obj = JSON.parse(JSON.stringify(input)) as Partial<StoredObject>;
  const name = typeof obj.metadata?.name === 'string' ? obj.metadata.name : '';
  const where = `${kind}/${name}`;
  if (typeof obj.metadata !== 'object' || obj.metadata === null || Array.isArray(obj.metadata)) {
    throw invalid(where, 'metadata', 'expected an object');
  }
  const served = [k.version, ...k.alsoServed].map((v) => apiVersionOf(k, v));
  if (obj.apiVersion !== undefined && !served.includes(obj.apiVersion)) {
    throw invalid(where, 'apiVersion', `must be one of ${served.join(', ')} for ${kind}`);
  }
  if (obj.kind !== undefined && obj.kind !== k.kind) throw invalid(where, 'kind', `must be ${k.kind}`);
  return { ...obj, apiVersion: apiVersionOf(k), kind: k.kind, metadata: obj.metadata };
}

/** Runs the kind's schema; errors name every bad field and the object. */
export function validateObject(ref: ObjectRef, obj: StoredObject): StoredObject {
  try {
    return validateAs(ref.kind, obj) as unknown as StoredObject;
  } catch (err: unknown) {
    if (isKedgeError(err)) {
      throw new KedgeError(
        err.code,
        err.message,
        { ...err.context, resource: refString(ref) },
        { cause: err },
      );
    }
    throw err;
  }
}

/** The part of an object whose changes bump metadata.generation. */
function specPart(kind: KindName, obj: StoredObject): Record<string, unknown> {
  const { metadata: _m, status, ...rest } = obj;
  return kinds[kind].statusSubresource ? rest : { ...rest, status };
}

function withoutVersion(obj: StoredObject): StoredObject {
  const { resourceVersion: _rv, ...metadata } = obj.metadata;
  return { ...obj, metadata };
}

function finish(ref: ObjectRef, current: StoredObject, next: StoredObject): PreparedWrite {
  const object = JSON.parse(JSON.stringify(validateObject(ref, next))) as StoredObject;
  const base = withoutVersion(current);
  if (!isDeepStrictEqual(specPart(ref.kind, object), specPart(ref.kind, base))) {
    object.metadata.generation = (current.metadata.generation ?? 0) + 1;
  }
  return { object, changed: !isDeepStrictEqual(object, base) };
}

/**
 * A status from the caller never reaches the store through the main resource,
 * whatever the kind: status is what controllers observed (a forged
 * NodeUpgradeJob nodeStatus would skip node selection), and only
 * updateStatus() writes it. Kinds without a status subresource have no
 * status at all.
 */
export function dropCallerStatus(obj: StoredObject): void {
  delete obj.status;
}

/** create(): server-owned metadata filled in, the caller's status dropped (see dropCallerStatus). */
export function prepareCreate(
  kind: KindName,
  input: unknown,
  server: { uid: string; now: string },
): { ref: ObjectRef; object: StoredObject } {
  // Stored at the storage version; the version it was written at is kept in an annotation.
  const obj = normalizeInput(kind, recordServedVersion(kind, input));
  const ref = refOfObject(kind, obj);
  const {
    namespace: _ns,
    uid: _uid,
    resourceVersion,
    generation: _gen,
    creationTimestamp: _ct,
    deletionTimestamp: _dt,
    ...rest
  } = obj.metadata;
  if (resourceVersion !== undefined && resourceVersion !== '') {
    throw invalid(refString(ref), 'metadata.resourceVersion', 'must not be set on create');
  }
  obj.metadata = {
    ...rest,
    ...(ref.namespace ? { namespace: ref.namespace } : {}),
    uid: server.uid,
    creationTimestamp: server.now,
    generation: 1,
  };
  dropCallerStatus(obj);
  return { ref, object: validateObject(ref, obj) };
}

/**
 * update(): the caller's object (from normalizeInput, so a private copy), minus
 * what the server owns; status stays what is stored (see dropCallerStatus).
 */
export function prepareUpdate(ref: ObjectRef, current: StoredObject, obj: StoredObject): PreparedWrite {
  const cur = current.metadata;
  const where = refString(ref);
  if (obj.metadata.uid !== undefined && obj.metadata.uid !== cur.uid) {
    throw invalid(where, 'metadata.uid', 'field is immutable');
  }
  if (cur.deletionTimestamp !== undefined) {
    const before = new Set(cur.finalizers ?? []);
    const added = (obj.metadata.finalizers ?? []).filter((f) => !before.has(f));
    if (added.length > 0) {
      throw invalid(
        where,
        'metadata.finalizers',
        `no new finalizers can be added while deleting (${added.join(', ')})`,
      );
    }
  }
  const { resourceVersion: _rv, deletionTimestamp: _dt, ...meta } = obj.metadata;
  obj.metadata = {
    ...meta,
    name: ref.name,
    ...(ref.namespace ? { namespace: ref.namespace } : {}),
    uid: cur.uid,
    creationTimestamp: cur.creationTimestamp,
    generation: cur.generation,
    ...(cur.deletionTimestamp !== undefined ? { deletionTimestamp: cur.deletionTimestamp } : {}),
  };
  if (!ref.namespace) delete obj.metadata.namespace;
  if (kinds[ref.kind].statusSubresource && current.status !== undefined) obj.status = current.status;
  else dropCallerStatus(obj);
  return finish(ref, current, obj);
}

/** updateStatus(): the stored object with the caller's status; everything else kept. */
export function prepareStatusUpdate(ref: ObjectRef, current: StoredObject, obj: StoredObject): PreparedWrite {
  if (!kinds[ref.kind].statusSubresource) {
    throw invalid(refString(ref), 'status', `${ref.kind} has no status subresource; use update()`);
  }
  // `current` was parsed for this write alone and finish() builds a fresh object, so no deep copy here.
  const next: StoredObject = { ...withoutVersion(current) };
  if (obj.status === undefined) delete next.status;
  else next.status = obj.status;
  return finish(ref, current, next);
}

/** delete() of an object with finalizers: only marks it. */
export function prepareDeletionMark(current: StoredObject, now: string): StoredObject {
  const next = structuredClone(withoutVersion(current));
  next.metadata.deletionTimestamp = now;
  return next;
}

/** True once an object marked for deletion has no finalizers left. */
export function readyToRemove(obj: StoredObject): boolean {
  return obj.metadata.deletionTimestamp !== undefined && (obj.metadata.finalizers ?? []).length === 0;
}

/** The conflict both backends raise: the version a write carried (or none) against the object's. */
export function conflictError(ref: ObjectRef, given: string | undefined, at: string): KedgeError {
  const message =
    given === undefined || given === ''
      ? `${refLabel(ref)}: metadata.resourceVersion is required (the object is at ${at})`
      : `${refLabel(ref)}: resourceVersion ${given} is stale, the object is at ${at}; re-read and retry`;
  return new KedgeError('KEDGE_STORE_CONFLICT', message, {
    resource: refString(ref),
    resourceVersion: given,
    currentResourceVersion: at,
  });
}
