// Read-only Kubernetes-style paths over the edge cache, so `curl` and
// in-cluster clients on the node can read what the cloud last sent even while
// offline. Errors use the Kubernetes Status shape.
import type { MetaEntry, MetaView } from '../metamanager/index.ts';
import type { RouteRequest, RouteResponse, Router } from './router.ts';

/** Plural path segment -> KubeEdge meta type and Kind. Unknown plurals drop a trailing "s". */
const PLURALS: Readonly<Record<string, { type: string; kind: string }>> = {
  pods: { type: 'pod', kind: 'Pod' },
  configmaps: { type: 'configmap', kind: 'ConfigMap' },
  secrets: { type: 'secret', kind: 'Secret' },
  events: { type: 'event', kind: 'Event' },
  services: { type: 'service', kind: 'Service' },
  endpoints: { type: 'endpoints', kind: 'Endpoints' },
  endpointslices: { type: 'endpointslice', kind: 'EndpointSlice' },
  nodes: { type: 'node', kind: 'Node' },
  namespaces: { type: 'namespace', kind: 'Namespace' },
  serviceaccounts: { type: 'serviceaccount', kind: 'ServiceAccount' },
  persistentvolumes: { type: 'persistentvolume', kind: 'PersistentVolume' },
  persistentvolumeclaims: { type: 'persistentvolumeclaim', kind: 'PersistentVolumeClaim' },
  leases: { type: 'lease', kind: 'Lease' },
};

function typeOfPlural(plural: string): { type: string; kind: string | undefined } {
  const known = PLURALS[plural];
  if (known) return known;
  return { type: plural.endsWith('s') ? plural.slice(0, -1) : plural, kind: undefined };
}

/** A Kubernetes `Status` error body. */
export function statusError(code: number, reason: string, message: string, details?: object): RouteResponse {
  const body: Record<string, unknown> = {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    code,
  };
  if (details) body.details = details;
  return { status: code, body };
}

export function registerKubeRoutes(router: Router, cache: MetaView): void {
  // Secrets the cloud pushed (pull secrets of ImagePrePullJobs) go only to holders of the metaServer token.
  const guardSecrets = (req: RouteRequest, plural: string): void => {
    if (typeOfPlural(plural).type === 'secret') req.requireToken(`reading ${plural}`);
  };
  const getOne = (apiVersion: string, plural: string, name: string, namespace?: string): RouteResponse => {
    const { type } = typeOfPlural(plural);
    const entry = cache.get(`${namespace ?? 'null'}/${type}/${name}`);
    if (entry) return { status: 200, body: entry.value };
    const where = namespace ? ` in namespace "${namespace}"` : '';
    return statusError(404, 'NotFound', `${plural} "${name}" not found${where} in the edge cache`, {
      name,
      kind: plural,
      apiVersion,
    });
  };
  const listOf = (apiVersion: string, plural: string, entries: MetaEntry[]): RouteResponse => {
    const { kind } = typeOfPlural(plural);
    return {
      status: 200,
      body: {
        kind: kind ? `${kind}List` : 'List',
        apiVersion,
        metadata: {},
        items: entries.map((e) => e.value),
      },
    };
  };

  for (const prefix of ['/api/{version}', '/apis/{group}/{version}']) {
    const apiVersion = (p: Readonly<Record<string, string>>): string =>
      p.group ? `${p.group}/${p.version ?? ''}` : (p.version ?? '');
    router.add('GET', `${prefix}/{plural}`, (req) => {
      guardSecrets(req, param(req.params, 'plural'));
      return listOf(
        apiVersion(req.params),
        param(req.params, 'plural'),
        cache.listType(typeOfPlural(param(req.params, 'plural')).type),
      );
    });
    router.add('GET', `${prefix}/{plural}/{name}`, (req) => {
      guardSecrets(req, param(req.params, 'plural'));
      return getOne(apiVersion(req.params), param(req.params, 'plural'), param(req.params, 'name'));
    });
    router.add('GET', `${prefix}/namespaces/{namespace}/{plural}`, (req) => {
      const plural = param(req.params, 'plural');
      guardSecrets(req, plural);
      return listOf(
        apiVersion(req.params),
        plural,
        cache.list(param(req.params, 'namespace'), typeOfPlural(plural).type),
      );
    });
    router.add('GET', `${prefix}/namespaces/{namespace}/{plural}/{name}`, (req) => {
      guardSecrets(req, param(req.params, 'plural'));
      return getOne(
        apiVersion(req.params),
        param(req.params, 'plural'),
        param(req.params, 'name'),
        param(req.params, 'namespace'),
      );
    });
  }
}

function param(params: Readonly<Record<string, string>>, name: string): string {
  return params[name] ?? '';
}
