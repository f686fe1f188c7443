// The Node cache a job is initialised against, made safe for a job created
// right after its nodes registered: the Node informer and the job informer
// poll the store separately, so the job can arrive before the Node cache has
// the node, or has it Ready. Named nodes the cache would call missing, not
// Ready or not an edge node are read from the store before that is decided
// (a few reads in the common case; the cache stays the answer otherwise).
// A label selector is answered by one list from the store: a Node created
// with the job (one `kedgectl apply` of both) would be missed by a cache
// that has not caught up, and "no nodes matched" is final for the job.
import { isEdgeNode, isNodeReady, type Node, type Rollout } from '@kedge/api';
import { labelSelectorToString, type ResourceStore } from '@kedge/store';
import type { NodeLookup } from './select-nodes.ts';

export async function freshNodeLookup(
  rollout: Pick<Rollout, 'nodeNames' | 'labelSelector'>,
  cache: NodeLookup,
  store: Pick<ResourceStore, 'get' | 'list'>,
): Promise<NodeLookup> {
  if (rollout.labelSelector !== undefined && rollout.nodeNames === undefined) {
    let listed: Node[];
    try {
      listed = (await store.list('Node', { labelSelector: labelSelectorToString(rollout.labelSelector) }))
        .items;
    } catch {
      return cache; // a selector the store refuses: selection reports it against the cache
    }
    const byName = new Map(listed.map((n) => [n.metadata.name, n]));
    return { get: (name) => byName.get(name) ?? cache.get(name), list: () => listed };
  }
  const doubtful = new Set(
    (rollout.nodeNames ?? []).filter((name) => {
      const node = cache.get(name);
      return node === undefined || !isNodeReady(node) || !isEdgeNode(node);
    }),
  );
  if (doubtful.size === 0) return cache;
  const fetched = new Map<string, Node | undefined>();
  for (const name of doubtful) fetched.set(name, await store.get('Node', name));
  return {
    get: (name) => (fetched.has(name) ? fetched.get(name) : cache.get(name)),
    list: () => cache.list(),
  };
}
