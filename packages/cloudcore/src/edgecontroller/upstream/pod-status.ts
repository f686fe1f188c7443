// Pod status from a node (`update <ns>/podstatus/<name>`, content
// {UID, Name, Status}) into the store through the status subresource. Only
// for a pod bound to the sending node (with that UID): anything else is
// refused with KEDGE_WIRE_IMPERSONATION. A conflict is retried on the fresh
// pod; a status older than the stored one is acked and dropped, never
// written. The route resolves (and CloudHub acks) once the write is durable.
// A pod marked for deletion whose containers all stopped is then deleted
// with grace 0, as the kubelet does (cluster mode; the embedded store
// deletes at once).
import {
  KedgeError,
  Operations,
  PodStatusSchema,
  ResourceTypes,
  WireGroups,
  describeIssues,
  hasCode,
  parseEdgeResource,
  type Message,
  type PodStatus,
} from '@kedge/api';
import type { Logger } from '@kedge/runtime';
import { mutate, type ResourceStore } from '@kedge/store';
import { olderStatus } from './status-order.ts';

export function isPodStatusMessage(msg: Message): boolean {
  return (
    msg.route.group === WireGroups.resource &&
    (msg.route.operation === Operations.update || msg.route.operation === Operations.patch) &&
    parseEdgeResource(msg.route.resource)?.type === ResourceTypes.podstatus
  );
}

export async function recordPodStatus(
  store: ResourceStore,
  log: Logger,
  node: string,
  msg: Message,
): Promise<string> {
  const res = parseEdgeResource(msg.route.resource);
  const content = (msg.content ?? {}) as { UID?: unknown; Status?: unknown };
  const status = PodStatusSchema.safeParse(content.Status);
  if (!res?.name || !status.success) {
    const why = status.success ? 'expected <ns>/podstatus/<name>' : describeIssues(status.error).join('; ');
    throw new KedgeError('KEDGE_WIRE_MALFORMED', `pod status ${msg.route.resource}: ${why}`, { node });
  }
  const { namespace, name } = { namespace: res.namespace, name: res.name };
  const uid = typeof content.UID === 'string' ? content.UID : '';
  let dropped: string | undefined;
  const stored = await mutate(
    store,
    'Pod',
    name,
    (pod) => {
      if (pod.spec.nodeName !== node || (uid !== '' && pod.metadata.uid !== uid)) throw forbidden(node, msg);
      dropped = olderStatus(status.data, pod.status);
      return dropped ? undefined : { ...pod, status: status.data };
    },
    { namespace, status: true },
  );
  if (!stored) throw forbidden(node, msg);
  const fields = { node, resource: msg.route.resource, msgId: msg.header.msg_id };
  if (dropped) log.info(fields, `pod status not written: ${dropped}`);
  else log.debug({ ...fields, phase: status.data.phase }, 'pod status stored');
  if (stored.metadata.deletionTimestamp && containersStopped(stored.status)) {
    await finalDelete(store, stored.metadata.name, namespace, stored.metadata.resourceVersion);
    log.info(fields, 'pod marked for deletion stopped on its node: deleted');
  }
  return 'OK';
}

/** No container of the pod runs or waits to run (none ever started counts too). */
function containersStopped(status: PodStatus | undefined): boolean {
  return (status?.containerStatuses ?? []).every((c) => c.state?.terminated !== undefined);
}

/**
 * Ends a graceful deletion (grace 0), as the kubelet does once the pod's
 * containers stopped; at the version just stored, so a changed pod is left to
 * its next status. Already gone or changed: nothing to do.
 */
async function finalDelete(
  store: ResourceStore,
  name: string,
  namespace: string,
  rv?: string,
): Promise<void> {
  try {
    await store.delete('Pod', name, namespace, {
      gracePeriodSeconds: 0,
      ...(rv !== undefined ? { resourceVersion: rv } : {}),
    });
  } catch (err: unknown) {
    if (!hasCode(err, 'KEDGE_STORE_NOT_FOUND') && !hasCode(err, 'KEDGE_STORE_CONFLICT')) throw err;
  }
}

function forbidden(node: string, msg: Message): KedgeError {
  return new KedgeError(
    'KEDGE_WIRE_IMPERSONATION',
    `node ${node} may report status only for pods bound to it; ${msg.route.resource} is not`,
    { node, resource: msg.route.resource },
  );
}
