// Names shared by both ends of the tunnel and the module buses: module names,
// groups, operations and resource strings (as KubeEdge spells them).

export const EdgeModules = {
  edgeHub: 'websocket',
  metaManager: 'metamanager',
  taskManager: 'taskmanager',
  metaServer: 'metaserver',
  edged: 'edged',
  serviceProxy: 'serviceproxy',
} as const;

export const EdgeGroups = {
  hub: 'hub',
  meta: 'meta',
  taskManager: 'taskmanager',
  metaServer: 'metaserver',
  edged: 'edged',
  serviceProxy: 'serviceproxy',
} as const;

export const CloudModules = {
  cloudHub: 'cloudhub',
  nodeLifecycle: 'nodelifecycle',
  taskManager: 'taskmanager',
} as const;

/** Groups carried on the wire (route.group). */
export const WireGroups = {
  resource: 'resource',
  hub: 'hub',
  taskManager: 'taskmanager',
  user: 'user',
} as const;

export const Operations = {
  insert: 'insert',
  update: 'update',
  patch: 'patch',
  delete: 'delete',
  query: 'query',
  response: 'response',
  error: 'error',
  keepalive: 'keepalive',
  connected: 'connected',
  disconnected: 'disconnected',
  /** edge -> cloud: a report the cloud must make durable, then ack. */
  report: 'report',
  /** cloud -> edge: the report with parent_msg_id is durable. */
  reportAck: 'reportAck',
  updateNodeActionStatus: 'UpdateNodeActionStatus',
} as const;

/**
 * Resource types in `<ns>/<type>/<name>` (KubeEdge's lower-case kinds): the
 * objects cloudcore syncs to a node, and the pod status edged sends up.
 */
export const ResourceTypes = {
  pod: 'pod',
  configmap: 'configmap',
  secret: 'secret',
  node: 'node',
  podstatus: 'podstatus',
  service: 'service',
  endpointslice: 'endpointslice',
  /** A pod's ServiceAccount token (named after the pod), synced by cloudcore. */
  serviceaccounttoken: 'serviceaccounttoken',
} as const;

/** Resource strings as the edge sees them: `<ns>/<type>/<name>`. */
export function edgeResource(namespace: string | undefined, type: string, name?: string): string {
  const ns = namespace && namespace.length > 0 ? namespace : 'null';
  return name === undefined ? `${ns}/${type}` : `${ns}/${type}/${name}`;
}

export interface ParsedEdgeResource {
  namespace: string;
  type: string;
  name: string | undefined;
}

export function parseEdgeResource(resource: string): ParsedEdgeResource | undefined {
  const parts = resource.split('/');
  if (parts.length < 2 || parts.length > 3) return undefined;
  const [namespace, type, name] = parts as [string, string, string | undefined];
  if (!namespace || !type) return undefined;
  return { namespace, type, name };
}

const NODE_TASK_PREFIX = 'operations.kubeedge.io/v1alpha2';

/** `operations.kubeedge.io/v1alpha2/{type}/{job}/node/{node}` */
export function nodeTaskResource(taskType: string, job: string, node: string): string {
  return `${NODE_TASK_PREFIX}/${taskType}/${job}/node/${node}`;
}

export interface ParsedNodeTaskResource {
  taskType: string;
  job: string;
  node: string;
}

export function parseNodeTaskResource(resource: string): ParsedNodeTaskResource | undefined {
  const parts = resource.split('/');
  if (parts.length !== 6) return undefined;
  const [group, version, taskType, job, literal, node] = parts as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  if (`${group}/${version}` !== NODE_TASK_PREFIX || literal !== 'node') return undefined;
  if (!taskType || !job || !node) return undefined;
  return { taskType, job, node };
}
