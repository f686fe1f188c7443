// What `apply` writes when the object already exists: a three-way merge, as
// kubectl's client-side apply does with JSON merge-patch semantics.
// - fields in the manifest win;
// - fields the previous apply set (recorded in the last-applied annotation,
//   kubectl's key, so both tools agree) but the manifest no longer has are
//   removed;
// - everything else (fields set by controllers, server metadata) is kept;
// - lists are replaced whole; a null in the manifest removes the field.
// status is never part of it: it belongs to the controllers.

export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

/** Metadata only the store sets; a manifest's copy (e.g. from `get -o yaml`) is ignored. */
const SERVER_METADATA = [
  'resourceVersion',
  'uid',
  'creationTimestamp',
  'generation',
  'deletionTimestamp',
  'managedFields',
  'selfLink',
] as const;

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/**
 * The manifest as apply means it: without status and server metadata, with
 * the last-applied annotation recording exactly that.
 */
export function appliedConfiguration(manifest: JsonObject): JsonObject {
  const applied = clone(manifest);
  delete applied.status;
  const metadata = isObject(applied.metadata) ? applied.metadata : {};
  for (const key of SERVER_METADATA) delete metadata[key];
  const annotations = isObject(metadata.annotations) ? metadata.annotations : undefined;
  if (annotations) {
    delete annotations[LAST_APPLIED_ANNOTATION];
    if (Object.keys(annotations).length === 0) delete metadata.annotations;
  }
  const record = JSON.stringify(applied);
  metadata.annotations = { ...(annotations ?? {}), [LAST_APPLIED_ANNOTATION]: `${record}\n` };
  applied.metadata = metadata;
  return applied;
}

/** The previous apply's configuration recorded on `current`, if any (and readable). */
export function lastApplied(current: unknown): JsonObject | undefined {
  const annotations = (current as { metadata?: { annotations?: Record<string, string> } }).metadata
    ?.annotations;
  const text = annotations?.[LAST_APPLIED_ANNOTATION];
  if (text === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    return isObject(parsed) ? parsed : undefined;
  } catch {
    // A hand-edited annotation that is not JSON: behave as if there were none
    // (fields are then only added or changed, never removed).
    return undefined;
  }
}

/** current + (desired - previous): see the header. `desired` comes from appliedConfiguration(). */
export function threeWayMerge(
  previous: JsonObject | undefined,
  current: JsonObject,
  desired: JsonObject,
): JsonObject {
  const { status, ...rest } = current;
  const merged = mergeObject(previous, rest, desired);
  // Server metadata always comes from the store, whatever an old annotation says.
  const currentMeta = isObject(current.metadata) ? current.metadata : {};
  const mergedMeta = isObject(merged.metadata) ? merged.metadata : {};
  for (const key of SERVER_METADATA) {
    if (currentMeta[key] !== undefined) mergedMeta[key] = clone(currentMeta[key]);
  }
  merged.metadata = mergedMeta;
  if (status !== undefined) merged.status = clone(status);
  return merged;
}

function mergeObject(previous: JsonObject | undefined, current: JsonObject, desired: JsonObject): JsonObject {
  const result = clone(current);
  for (const [key, want] of Object.entries(desired)) {
    if (want === null) {
      delete result[key];
    } else if (isObject(want) && isObject(result[key])) {
      const prev = previous && isObject(previous[key]) ? previous[key] : undefined;
      result[key] = mergeObject(prev, result[key], want);
    } else {
      result[key] = clone(want);
    }
  }
  for (const key of Object.keys(previous ?? {})) {
    if (!Object.hasOwn(desired, key)) delete result[key];
  }
  return result;
}
