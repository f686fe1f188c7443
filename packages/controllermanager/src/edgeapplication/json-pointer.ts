// RFC 6901 JSON pointers (`/spec/template/spec/containers/0/image`) for an
// image overrider's predicate.path: read a value, replace an existing one.
import { KedgeError } from '@kedge/api';

function segments(pointer: string): string[] {
  if (!pointer.startsWith('/')) {
    throw new KedgeError('KEDGE_EDGEAPP_RENDER_FAILED', `predicate.path ${pointer} must start with /`, {
      field: 'predicate.path',
    });
  }
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));
}

function step(node: unknown, key: string): unknown {
  if (Array.isArray(node)) return /^\d+$/.test(key) ? node[Number(key)] : undefined;
  if (node !== null && typeof node === 'object') {
    return Object.hasOwn(node, key) ? (node as Record<string, unknown>)[key] : undefined;
  }
  return undefined;
}

export function getAtPointer(doc: unknown, pointer: string): unknown {
  return segments(pointer).reduce<unknown>((node, key) => step(node, key), doc);
}

/** Replaces the value at `pointer`, which must exist already. */
export function setAtPointer(doc: unknown, pointer: string, value: unknown): void {
  const keys = segments(pointer);
  const last = keys.pop()!;
  const parent = keys.reduce<unknown>((node, key) => step(node, key), doc);
  if (step(parent, last) === undefined) {
    throw new KedgeError('KEDGE_EDGEAPP_RENDER_FAILED', `predicate.path ${pointer} names nothing`, {
      field: 'predicate.path',
    });
  }
  if (Array.isArray(parent)) parent[Number(last)] = value;
  else (parent as Record<string, unknown>)[last] = value;
}
