// Rules every upstream message must pass before any handler sees it.
import { Operations, parseEdgeResource, parseNodeTaskResource, WireGroups, type Message } from '@kedge/api';

/** The register message: insert of the node's own Node resource. */
export function isRegisterMessage(nodeName: string, msg: Message): boolean {
  if (msg.route.operation !== Operations.insert || msg.route.group !== WireGroups.resource) return false;
  const r = parseEdgeResource(msg.route.resource);
  return r?.type === 'node' && r.name === nodeName;
}

/**
 * A node may only speak for itself. Returns why a message is refused, or
 * undefined when it is the node's own business.
 */
export function checkSpeaksForItself(nodeName: string, msg: Message): string | undefined {
  const task = parseNodeTaskResource(msg.route.resource);
  if (task) {
    return task.node === nodeName
      ? undefined
      : `node ${nodeName} may not report for node ${task.node} (resource ${msg.route.resource})`;
  }
  const r = parseEdgeResource(msg.route.resource);
  if (
    r &&
    (r.type === 'node' || r.type === 'nodestatus' || r.type === 'lease') &&
    r.name &&
    r.name !== nodeName
  ) {
    return `node ${nodeName} may not write ${r.type} of node ${r.name}`;
  }
  const involved = (msg.content as { involvedObject?: { kind?: unknown; name?: unknown } } | null)
    ?.involvedObject;
  if (r?.type === 'event' && involved?.kind === 'Node' && involved.name !== nodeName) {
    return `node ${nodeName} may not report events about node ${String(involved.name)}`;
  }
  return undefined;
}
