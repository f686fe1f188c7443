// Pod status from a node (`update <ns>/podstatus/<name>`, content
// {UID, Name, Status}) into the store through the status subresource. Only
// for a pod bound to the sending node (with that UID): anything else is
// refused with KEDGE_WIRE_IMPERSONATION. A conflict is retried on the fresh
// pod; a status older than the stored one is acked and dropped, never
// written. The route resolves (and CloudHub acks) once the write is durable.
import {
  KedgeError,
  Operations,
  PodStatusSchema,
  ResourceTypes,
  WireGroups,
  describeIssues,
  parseEdgeResource,
  type Message,
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
  return 'OK';
}

function forbidden(node: string, msg: Message): KedgeError {
  return new KedgeError(
    'KEDGE_WIRE_IMPERSONATION',
    `node ${node} may report status only for pods bound to it; ${msg.route.resource} is not`,
    { node, resource: msg.route.resource },
  );
}
