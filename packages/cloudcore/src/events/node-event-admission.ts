// What an Event reported by an edge node must be before the cloud stores it.
// Scope: a node reports Events about itself and its pods only. About itself:
// involvedObject is its own Node, the Event lives in namespace `default`
// (where Kubernetes keeps Node events) and its name starts with `<node>.`
// (so nodes cannot take each other's names). About a pod: the pod is bound
// to the node (as the store says now), the Event lives in the pod's
// namespace and its name starts with `<pod>.`. Shape: the core/v1 Event schema, rebuilt from the known fields
// only (anything else is dropped), each field and the whole report capped in
// size, the source forced to the node. What does not fit is refused with
// KEDGE_EVENT_INVALID or KEDGE_EVENT_OUT_OF_SCOPE and nothing is stored.
import { EventSchema, KedgeError, describeIssues, type Event } from '@kedge/api';

export const EVENT_LIMITS = {
  /** The whole report as JSON. */
  totalBytes: 16 * 1024,
  reason: 128,
  message: 4 * 1024,
  component: 128,
  action: 128,
} as const;

const EVENT_NAMESPACE = 'default';

function refuse(
  code: 'KEDGE_EVENT_INVALID' | 'KEDGE_EVENT_OUT_OF_SCOPE',
  node: string,
  problem: string,
): KedgeError {
  return new KedgeError(code, `event report from node ${node}: ${problem}`, { node });
}

function capped(node: string, field: string, value: string | undefined, max: number): void {
  if (value !== undefined && value.length > max)
    throw refuse('KEDGE_EVENT_INVALID', node, `${field} is ${value.length} characters; at most ${max}`);
}

/** Which node a pod is bound to (undefined: no such pod, or unbound). */
export type PodBinding = (namespace: string, name: string) => string | undefined;

/** The Event to store for `content` sent by `node` on route namespace `routeNamespace`; throws when refused. */
export function admitNodeEvent(
  node: string,
  routeNamespace: string,
  content: unknown,
  nodeOfPod: PodBinding = () => undefined,
): Event {
  const size = Buffer.byteLength(JSON.stringify(content ?? null), 'utf8');
  if (size > EVENT_LIMITS.totalBytes)
    throw refuse(
      'KEDGE_EVENT_INVALID',
      node,
      `${size} bytes; an Event may have at most ${EVENT_LIMITS.totalBytes}`,
    );
  const parsed = EventSchema.safeParse(content);
  if (!parsed.success) throw refuse('KEDGE_EVENT_INVALID', node, describeIssues(parsed.error).join('; '));
  const e = parsed.data;
  const about = e.involvedObject;
  const aboutPod = about.kind === 'Pod';
  const home = aboutPod ? (about.namespace ?? '') : EVENT_NAMESPACE;
  const ns = routeNamespace === 'null' ? EVENT_NAMESPACE : routeNamespace;
  if (ns !== home || (e.metadata.namespace ?? ns) !== home)
    throw refuse('KEDGE_EVENT_OUT_OF_SCOPE', node, `this Event lives in namespace ${home || '(none)'}`);
  if (aboutPod ? nodeOfPod(home, about.name) !== node : about.kind !== 'Node' || about.name !== node)
    throw refuse(
      'KEDGE_EVENT_OUT_OF_SCOPE',
      node,
      `involvedObject must be Node ${node} or a pod bound to it`,
    );
  if (!e.metadata.name.startsWith(`${about.name}.`))
    throw refuse('KEDGE_EVENT_OUT_OF_SCOPE', node, `metadata.name must start with "${about.name}."`);
  capped(node, 'reason', e.reason, EVENT_LIMITS.reason);
  capped(node, 'message', e.message, EVENT_LIMITS.message);
  capped(node, 'source.component', e.source?.component, EVENT_LIMITS.component);
  const action = (content as { action?: unknown }).action;
  capped(node, 'action', typeof action === 'string' ? action : undefined, EVENT_LIMITS.action);
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: e.metadata.name, namespace: home },
    involvedObject: {
      kind: aboutPod ? 'Pod' : 'Node',
      name: about.name,
      ...(aboutPod ? { namespace: home } : {}),
      apiVersion: 'v1',
      ...(about.uid !== undefined ? { uid: about.uid.slice(0, 64) } : {}),
    },
    ...(e.reason !== undefined ? { reason: e.reason } : {}),
    ...(e.message !== undefined ? { message: e.message } : {}),
    ...(e.type !== undefined ? { type: e.type } : {}),
    source: { component: e.source?.component ?? 'edgecore', host: node },
    ...(e.firstTimestamp ? { firstTimestamp: e.firstTimestamp.slice(0, 40) } : {}),
    ...(e.lastTimestamp ? { lastTimestamp: e.lastTimestamp.slice(0, 40) } : {}),
    ...(e.count !== undefined ? { count: Math.min(e.count, 1_000_000) } : {}),
  };
}
