// The resource messages object sync sends: insert/update of the whole object
// and delete carrying only namespace, name and UID (the edge deletes only
// that UID), on `<ns>/<type>/<name>` in group `resource` to the edge's
// metaManager, which acks each after its SQLite write (ObjectAckContent).
import { Operations, ResourceTypes, WireGroups, edgeResource, newMessage, type Message } from '@kedge/api';
import type { SyncedKind } from '../pod-references.ts';
import type { SyncStep } from '../sync-plan.ts';

const TYPES: Record<SyncedKind, string> = {
  Pod: ResourceTypes.pod,
  ConfigMap: ResourceTypes.configmap,
  Secret: ResourceTypes.secret,
  Service: ResourceTypes.service,
  EndpointSlice: ResourceTypes.endpointslice,
  ServiceAccountToken: ResourceTypes.serviceaccounttoken,
};

/** The synced kind of an edge resource type. */
export function kindOfEdgeType(type: string): SyncedKind | undefined {
  return (Object.keys(TYPES) as SyncedKind[]).find((k) => TYPES[k] === type);
}

export function stepMessage(step: SyncStep): Message {
  if (step.op === 'delete') {
    const { kind, namespace, name } = step.record;
    return newMessage({
      source: 'edgecontroller',
      group: WireGroups.resource,
      operation: Operations.delete,
      resource: edgeResource(namespace, TYPES[kind], name),
      content: { metadata: { name, namespace, uid: step.uid } },
    });
  }
  const t = step.target;
  return newMessage({
    source: 'edgecontroller',
    group: WireGroups.resource,
    operation: step.op === 'insert' ? Operations.insert : Operations.update,
    resource: edgeResource(t.namespace, TYPES[t.kind], t.name),
    resourceVersion: t.resourceVersion,
    content: t.object,
  });
}
