// Pods a node group placed: those whose nodeSelector names the group, or
// whose required node affinity asks for the group label with `In` (upstream
// looked at the nodeSelector only). When a node leaves a group its pods of
// that group are deleted, so their controllers recreate them on members.
import { errorMessage, hasCode, NodeGroupLabels, type Pod } from '@kedge/api';
import type { Logger } from '@kedge/runtime';
import type { ResourceStore } from '@kedge/store';

export function podTargetsGroup(pod: Pod, group: string): boolean {
  if (pod.spec.nodeSelector?.[NodeGroupLabels.belongingTo] === group) return true;
  const terms =
    pod.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  return terms.some((t) =>
    (t.matchExpressions ?? []).some(
      (e) => e.key === NodeGroupLabels.belongingTo && e.operator === 'In' && (e.values ?? []).includes(group),
    ),
  );
}

/** Deletes the pods on `node` that target `group`; resolves with their names. */
export async function evictGroupPods(
  store: ResourceStore,
  node: string,
  group: string,
  log: Logger,
): Promise<string[]> {
  const { items } = await store.list('Pod');
  const evicted: string[] = [];
  for (const pod of items) {
    if (pod.spec.nodeName !== node || !podTargetsGroup(pod, group)) continue;
    const { name, namespace } = pod.metadata;
    try {
      await store.delete('Pod', name, namespace);
      evicted.push(`${namespace ?? 'default'}/${name}`);
      log.info(
        { node, resource: `Pod/${name}`, nodeGroup: group },
        `evicted pod ${namespace ?? 'default'}/${name}: node ${node} left node group ${group}`,
      );
    } catch (err: unknown) {
      if (hasCode(err, 'KEDGE_STORE_NOT_FOUND')) continue;
      log.error({ err, node, resource: `Pod/${name}` }, `could not evict pod ${name}: ${errorMessage(err)}`);
      throw err;
    }
  }
  return evicted;
}
