// Where an object lives: kind, namespace ('' for cluster-scoped kinds) and
// name, plus the `Kind/ns/name` string every store error carries as context.
import { kinds, KedgeError, type KindName, type ObjectMeta } from '@kedge/api';

/** The shape every stored object has; the kind's schema says the rest. */
export interface StoredObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  status?: unknown;
  [field: string]: unknown;
}

export interface ObjectRef {
  kind: KindName;
  /** '' for cluster-scoped kinds. */
  namespace: string;
  name: string;
}

const DEFAULT_NAMESPACE = 'default';

/** RFC 1123 label, as Kubernetes namespace names. */
const NAMESPACE_PATTERN = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** `Node/edge-1` or `Event/default/e1`. */
export function refString(ref: ObjectRef): string {
  return ref.namespace ? `${ref.kind}/${ref.namespace}/${ref.name}` : `${ref.kind}/${ref.name}`;
}

/** `Node "edge-1"` or `Event "default/e1"`, for messages. */
export function refLabel(ref: ObjectRef): string {
  return `${ref.kind} "${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}"`;
}

/**
 * Resolves the namespace a caller gave for `kind`: namespaced kinds default to
 * 'default'; cluster-scoped kinds take none.
 */
export function resolveRef(kind: KindName, name: string, namespace: string | undefined): ObjectRef {
  const scoped = kinds[kind].scope === 'Namespaced';
  const ns = namespace ?? '';
  if (!scoped) {
    if (ns !== '') {
      throw new KedgeError(
        'KEDGE_RESOURCE_INVALID',
        `${kind} "${name}": metadata.namespace: must not be set, ${kind} is cluster-scoped`,
        { resource: `${kind}/${name}`, fields: ['metadata.namespace'] },
      );
    }
    return { kind, namespace: '', name };
  }
  const resolved = ns === '' ? DEFAULT_NAMESPACE : ns;
  if (!NAMESPACE_PATTERN.test(resolved)) {
    throw new KedgeError(
      'KEDGE_RESOURCE_INVALID',
      `${kind} "${resolved}/${name}": metadata.namespace: must be a lower-case RFC 1123 label`,
      { resource: `${kind}/${resolved}/${name}`, fields: ['metadata.namespace'] },
    );
  }
  return { kind, namespace: resolved, name };
}

/** The ref of an object handed to a write, from its metadata. */
export function refOfObject(kind: KindName, obj: StoredObject): ObjectRef {
  const name = typeof obj.metadata.name === 'string' ? obj.metadata.name : '';
  return resolveRef(kind, name, obj.metadata.namespace);
}
