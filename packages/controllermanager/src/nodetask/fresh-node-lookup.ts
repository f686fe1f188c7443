// The Node cache a job is initialised against, made safe for a job created
// right after its nodes registered: the Node informer and the job informer
// poll the store separately, so the job can arrive first. Names the cache
// does not know are read from the store before a node is called missing.
import type { Node } from '@kedge/api';
import type { ResourceStore } from '@kedge/store';
import type { Rollout } from './node-task-job.ts';
import type { NodeLookup } from './select-nodes.ts';

export async function freshNodeLookup(
  rollout: Pick<Rollout, 'nodeNames'>,
  cache: NodeLookup,
  store: Pick<ResourceStore, 'get'>,
): Promise<NodeLookup> {
  const missing = (rollout.nodeNames ?? []).filter((name) => cache.get(name) === undefined);
  if (missing.length === 0) return cache;
  const fetched = new Map<string, Node>();
  for (const name of new Set(missing)) {
    const node = await store.get('Node', name);
    if (node !== undefined) fetched.set(name, node);
  }
  if (fetched.size === 0) return cache;
  return {
    get: (name) => cache.get(name) ?? fetched.get(name),
    list: () => cache.list(),
  };
}
