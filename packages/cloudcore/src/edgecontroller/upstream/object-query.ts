// A node's `query` of one object (`<ns>/pod|configmap|secret|service|endpointslice/<name>`),
// answered only under the node authorizer rule: a pod bound to the node, or
// a ConfigMap/Secret such a pod references; any Service, and any
// EndpointSlice as filtered for the node (endpoint-filter.ts). Anything else is refused with
// KEDGE_NODE_FORBIDDEN (CloudHub logs the refusal and sends the coded error).
import { KedgeError, Operations, parseEdgeResource, type Message } from '@kedge/api';
import { kindOfEdgeType } from '../downstream/object-messages.ts';
import type { NodeObjects } from '../node-objects.ts';

export function isObjectQuery(msg: Message): boolean {
  const res = parseEdgeResource(msg.route.resource);
  return (
    msg.route.operation === Operations.query && res !== undefined && kindOfEdgeType(res.type) !== undefined
  );
}

export async function answerObjectQuery(objects: NodeObjects, node: string, msg: Message): Promise<unknown> {
  await objects.synced;
  const res = parseEdgeResource(msg.route.resource);
  const kind = res ? kindOfEdgeType(res.type) : undefined;
  if (!res?.name || !kind || !objects.mayRead(node, kind, res.namespace, res.name)) {
    throw new KedgeError(
      'KEDGE_NODE_FORBIDDEN',
      `node ${node} may not read ${msg.route.resource}: no pod bound to it uses that object`,
      { node, resource: msg.route.resource },
    );
  }
  const object = objects.get(node, kind, res.namespace, res.name);
  if (object === undefined)
    throw new KedgeError('KEDGE_STORE_NOT_FOUND', `${msg.route.resource} not found`, { node });
  return object;
}
