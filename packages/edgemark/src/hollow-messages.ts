// The frames a hollow node sends, built exactly as EdgeHub builds them
// (docs/tunnel.md): register, keepalive, and the `response` that acks a cloud
// resource message.
import {
  EdgeModules,
  Operations,
  WireGroups,
  edgeResource,
  newMessage,
  replyTo,
  type Message,
  type RegisterNodeContent,
} from '@kedge/api';
import { objectAck } from './hollow-pods.ts';

/**
 * Label every hollow node carries, so an operator can tell (and clean up) fake nodes. In the
 * node.kubernetes.io/ namespace: a node may set only such labels on itself (docs/security.md).
 */
export const HOLLOW_LABEL = 'node.kubernetes.io/edgemark-hollow';

/** A hollow node's InternalIP: 10.0.0.0/8 from the index, unique per node, never routed anywhere. */
export function hollowAddress(index: number): string {
  return `10.${(index >> 16) & 255}.${(index >> 8) & 255}.${index & 255}`;
}

export function hollowRegisterContent(
  index: number,
  version: string,
  labels: Readonly<Record<string, string>>,
): RegisterNodeContent {
  return {
    edgecoreVersion: version,
    labels: { ...labels, [HOLLOW_LABEL]: 'true', 'kubernetes.io/arch': 'amd64', 'kubernetes.io/os': 'linux' },
    addresses: [{ type: 'InternalIP', address: hollowAddress(index) }],
    nodeInfo: {
      architecture: 'amd64',
      operatingSystem: 'linux',
      kernelVersion: 'hollow',
      osImage: 'edgemark hollow node',
    },
  };
}

export function registerMessage(nodeName: string, content: RegisterNodeContent): Message {
  return newMessage({
    source: EdgeModules.edgeHub,
    group: WireGroups.resource,
    operation: Operations.insert,
    resource: edgeResource(undefined, 'node', nodeName),
    content,
    sync: true,
  });
}

export function keepaliveMessage(): Message {
  return newMessage({
    source: EdgeModules.edgeHub,
    group: WireGroups.resource,
    operation: Operations.keepalive,
    resource: 'node',
    content: 'ping',
  });
}

/** What edgecore's metaManager answers once it cached a cloud resource message (ObjectAckContent). */
export function resourceAck(msg: Message): Message {
  return replyTo(msg, EdgeModules.metaManager, objectAck(msg));
}

/** Cloud -> edge resource operations the metaManager caches and acknowledges. */
export const ACKED_RESOURCE_OPERATIONS: ReadonlySet<string> = new Set([
  Operations.insert,
  Operations.update,
  Operations.patch,
  Operations.delete,
]);
