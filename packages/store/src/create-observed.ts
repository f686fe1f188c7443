// create() stores no status (resource-store.ts): a status is what a
// controller observed and goes through the status subresource. Fixtures,
// demos and hollow nodes that stand in for that controller write both in
// the order cloudcore would: the object, then what it observed.
import type { KindName, ResourceOf } from '@kedge/api';
import type { ResourceStore } from './resource-store.ts';

/** Creates `object`, then writes its status (if any) through updateStatus(); returns the stored object. */
export async function createObserved<K extends KindName>(
  store: ResourceStore,
  kind: K,
  object: ResourceOf<K>,
): Promise<ResourceOf<K>> {
  const created = await store.create(kind, object);
  const status = (object as { status?: unknown }).status;
  if (status === undefined) return created;
  return store.updateStatus(kind, { ...created, status } as ResourceOf<K>);
}
