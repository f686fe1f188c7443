// Read-modify-write with optimistic concurrency: re-reads and re-applies the
// change when another writer got there first. The one way controllers change
// an object, on either backend.
import { hasCode, KedgeError, type KindName, type ResourceOf } from '@kedge/api';
import type { ResourceStore } from './resource-store.ts';

export interface MutateOptions {
  namespace?: string;
  /** Write through the status subresource instead of the main resource. */
  status?: boolean;
  /** Attempts before the conflict is returned to the caller (default 10). */
  attempts?: number;
}

/**
 * Applies `change` to the current object and writes it. `change` returns the
 * new object, or undefined to write nothing. Resolves with the stored object
 * (or the unchanged current one), or undefined when the object does not exist.
 */
export async function mutate<K extends KindName>(
  store: ResourceStore,
  kind: K,
  name: string,
  change: (current: ResourceOf<K>) => ResourceOf<K> | undefined,
  options: MutateOptions = {},
): Promise<ResourceOf<K> | undefined> {
  const attempts = options.attempts ?? 10;
  for (let attempt = 1; ; attempt++) {
    const current = await store.get(kind, name, options.namespace);
    if (!current) return undefined;
    const next = change(structuredClone(current));
    if (next === undefined) return current;
    try {
      return options.status ? await store.updateStatus(kind, next) : await store.update(kind, next);
    } catch (err) {
      if (!hasCode(err, 'KEDGE_STORE_CONFLICT')) throw err;
      if (attempt >= attempts) {
        throw new KedgeError(
          'KEDGE_STORE_CONFLICT',
          `${kind} ${name}: still conflicting after ${attempts} attempts`,
          { resource: `${kind}/${name}` },
          { cause: err },
        );
      }
    }
  }
}
