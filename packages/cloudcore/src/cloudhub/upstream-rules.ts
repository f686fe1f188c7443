// Rules every upstream message must pass before any handler sees it. The
// identity rule is one table for every route of every node-task mode: each
// known route shape says which node it speaks for, that node must be the
// session's own, and a route of no known shape is refused (a shape CloudHub
// cannot read is a shape it cannot check).
import {
  LogsRoute,
  NodeTaskOperations,
  Operations,
  ResourceTypes,
  V1alpha1TaskType,
  WireGroups,
  parseEdgeResource,
  parseNodeTaskResource,
  parseV1alpha1ReportResource,
  type Message,
} from '@kedge/api';

/** The register message: insert of the node's own Node resource. */
export function isRegisterMessage(nodeName: string, msg: Message): boolean {
  if (msg.route.operation !== Operations.insert || msg.route.group !== WireGroups.resource) return false;
  const r = parseEdgeResource(msg.route.resource);
  return r?.type === 'node' && r.name === nodeName;
}

export interface UpstreamRefusal {
  code: 'KEDGE_WIRE_IMPERSONATION' | 'KEDGE_WIRE_ROUTE_UNKNOWN';
  message: string;
}

/** What a route claims: the nodes it speaks for (none for acks). */
interface RouteClaim {
  speaksFor: string[];
  about: string;
}

/** Reads the claim of every upstream route shape kedge knows; undefined for any other shape. */
function routeClaim(msg: Message): RouteClaim | undefined {
  const { operation, group, resource } = msg.route;
  switch (operation) {
    case Operations.keepalive:
    case Operations.response:
    case Operations.error:
      // Acks and failure answers to the cloud's own downstream messages: handlers record nothing from them.
      return { speaksFor: [], about: `${operation} of a cloud message` };
    case Operations.updateNodeActionStatus:
    case NodeTaskOperations.updateNodeActionProgress: {
      const task = parseNodeTaskResource(resource);
      return task ? { speaksFor: [task.node], about: `a ${task.taskType} report` } : undefined;
    }
    case V1alpha1TaskType.upgrade:
    case V1alpha1TaskType.prepull: {
      const report = parseV1alpha1ReportResource(resource);
      if (!report) return undefined;
      const named = (msg.content as { NodeName?: unknown } | null)?.NodeName;
      // The answer names its node twice (route and content); both must be the sender.
      const speaksFor = typeof named === 'string' ? [report.node, named] : [report.node];
      return { speaksFor, about: `a v1alpha1 ${operation} report` };
    }
    case Operations.insert: {
      if (group !== WireGroups.resource) return undefined;
      const r = parseEdgeResource(resource);
      if (r?.type === 'node' && r.name) return { speaksFor: [r.name], about: 'node registration' };
      if (r?.type === 'event' && r.name) {
        const involved = (msg.content as { involvedObject?: { kind?: unknown; name?: unknown } } | null)
          ?.involvedObject;
        // Which other objects an Event may name is the event scope's business (event-scope.ts).
        const aboutNode = involved?.kind === 'Node' ? [String(involved.name)] : [];
        return { speaksFor: aboutNode, about: 'an event' };
      }
      return undefined;
    }
    case Operations.update:
    case Operations.patch: {
      const r = parseEdgeResource(resource);
      if (group !== WireGroups.resource || r?.type !== ResourceTypes.podstatus || !r.name) return undefined;
      // Which node a pod is bound to is the store's to say: the pod status route refuses another
      // node's pod (KEDGE_WIRE_IMPERSONATION), so the claim here names no node.
      return { speaksFor: [], about: 'a pod status' };
    }
    case Operations.query: {
      const r = parseEdgeResource(resource);
      const objects: string[] = [
        ResourceTypes.pod,
        ResourceTypes.configmap,
        ResourceTypes.secret,
        ResourceTypes.service,
        ResourceTypes.endpointslice,
        ResourceTypes.serviceaccounttoken,
      ];
      if (!r?.name || !objects.includes(r.type)) return undefined;
      // A read, not a report; the object query route applies the node authorizer rule.
      return { speaksFor: [], about: `a ${r.type} query` };
    }
    case LogsRoute.chunk:
    case LogsRoute.end:
      if (group !== LogsRoute.group || !resource.startsWith('logs/')) return undefined;
      // The logs relay takes a chunk only for a stream it opened on this same node (logs-relay.ts).
      return { speaksFor: [], about: 'a logs stream answer' };
    default:
      return undefined;
  }
}

/**
 * A node may only speak for itself. Returns why a message is refused, or
 * undefined when it is the node's own business.
 */
export function checkSpeaksForItself(nodeName: string, msg: Message): UpstreamRefusal | undefined {
  const claim = routeClaim(msg);
  const named = claim ? undefined : nodeObjectNamed(msg);
  if (named !== undefined && named !== nodeName) {
    return {
      code: 'KEDGE_WIRE_IMPERSONATION',
      message: `node ${nodeName} may not report for node ${named} (${msg.route.operation} of ${msg.route.resource})`,
    };
  }
  if (!claim) {
    const { group, operation } = msg.route;
    return {
      code: 'KEDGE_WIRE_ROUTE_UNKNOWN',
      message: `node ${nodeName}: no upstream route (group ${group}, operation ${operation}) has the shape of resource ${JSON.stringify(msg.route.resource.slice(0, 200))}`,
    };
  }
  const other = claim.speaksFor.find((n) => n !== nodeName);
  if (other === undefined) return undefined;
  return {
    code: 'KEDGE_WIRE_IMPERSONATION',
    message: `node ${nodeName} may not report for node ${other} (${claim.about}, resource ${msg.route.resource})`,
  };
}

/** The node a route of no known shape still names (`<ns>/node|nodestatus|lease/<name>`), to call it what it is. */
function nodeObjectNamed(msg: Message): string | undefined {
  const r = parseEdgeResource(msg.route.resource);
  return r && ['node', 'nodestatus', 'lease'].includes(r.type) ? r.name : undefined;
}
