// Plain-data helpers for configs: merging layers, setting one path, comparing
// and freezing. Values are JSON-like (objects, arrays, scalars).
import { isPlainObject } from '@kedge/api';

export type DeepPartial<T> = T extends readonly unknown[]
  ? T
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> }
    : T;

/** Objects merge key by key; anything else (arrays, scalars) in `patch` replaces `base`. */
export function deepMerge(base: unknown, patch: unknown): unknown {
  if (patch === undefined) return clone(base);
  if (isPlainObject(base) && isPlainObject(patch)) {
    const keys = new Set([...Object.keys(base), ...Object.keys(patch)]);
    const entries = [...keys].map((k): [string, unknown] => [k, deepMerge(base[k], patch[k])]);
    return Object.fromEntries(entries.filter(([, v]) => v !== undefined));
  }
  return clone(patch);
}

/** Deep copy of plain data; keys whose value is undefined (unset flags) are dropped. */
function clone(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(clone);
  if (!isPlainObject(value)) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => [k, clone(v)]),
  );
}

/** Returns a copy of `obj` with `path` set; stops (leaving the bad value for validation) at a non-object. */
export function setIn(obj: unknown, path: readonly (string | number)[], value: unknown): unknown {
  const [head, ...rest] = path;
  if (head === undefined) return value;
  if (typeof head === 'number' && Array.isArray(obj)) {
    const copy = obj.slice();
    copy[head] = setIn(obj[head], rest, value);
    return copy;
  }
  if (obj !== undefined && !isPlainObject(obj)) return obj;
  const key = String(head);
  const base = obj ?? {};
  const entries = Object.entries(base).map(([k, v]): [string, unknown] => [
    k,
    k === key ? setIn(v, rest, value) : v,
  ]);
  if (!Object.hasOwn(base, key)) entries.push([key, setIn(undefined, rest, value)]);
  return Object.fromEntries(entries);
}

/** Structural equality of plain data (objects compared by keys, not key order). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = Object.keys(a);
    return (
      keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]))
    );
  }
  return false;
}

/** Freezes `value` and everything it holds; returns it. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
