// Services and EndpointSlices through object sync, on the real embedded
// store, a real CloudCore and raw edges: every node gets every Service; the
// slice of a range-nodegroup Service holds, on each node, only the
// endpoints of that node's group (none for a node in no group, none without
// a nodeName); a plain Service's slice reaches every node whole; a node
// moved between groups changes what both groups hold within seconds.
import { NodeLabels, type EndpointSlice, type Node } from '@kedge/api';
import { mutate, openSqliteStore, type ResourceStore } from '@kedge/store';
import { tempDir, waitFor, type TempDir } from '@kedge/testing';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TEST_SECRET, startTestCloud, testLogger, type TestCloud } from '../../test/task-cloud.ts';
import { ObjectEdge } from '../../test/object-edge.ts';

const ENDPOINTS: Record<string, string> = {
  'a-1': '10.244.1.2',
  'a-2': '10.244.2.2',
  'b-1': '10.244.3.2',
  'b-2': '10.244.4.2',
};

function service(name: string, ranged: boolean) {
  return {
    apiVersion: 'v1' as const,
    kind: 'Service' as const,
    metadata: {
      name,
      namespace: 'shop',
      ...(ranged ? { annotations: { 'apps.kubeedge.io/service-topology': 'range-nodegroup' } } : {}),
    },
    spec: { selector: { app: name }, ports: [{ port: 80, targetPort: 8080 }], clusterIP: '10.96.0.10' },
  };
}

function slice(name: string): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name, namespace: 'shop', labels: { 'kubernetes.io/service-name': name } },
    addressType: 'IPv4',
    endpoints: [
      ...Object.entries(ENDPOINTS).map(([node, ip]) => ({ addresses: [ip], nodeName: node })),
      { addresses: ['10.244.9.9'] },
    ],
    ports: [{ port: 8080 }],
  };
}

/** The endpoint IPs of the latest version of `name`'s slice the edge received (undefined: none yet). */
function heldIPs(edge: ObjectEdge, name: string): string[] | undefined {
  const last = edge.received
    .filter((m) => m.route.resource === `shop/endpointslice/${name}` && m.route.operation !== 'response')
    .at(-1);
  if (!last) return undefined;
  return ((last.content as EndpointSlice).endpoints ?? []).map((e) => e.addresses[0] ?? '').sort();
}

describe('Services and EndpointSlices sent to edge nodes', () => {
  let dir: TempDir;
  let store: ResourceStore;
  let cloud: TestCloud;
  const edges = new Map<string, ObjectEdge>();

  const label = (node: string, group: string | undefined) =>
    mutate(store, 'Node', node, (n: Node) => {
      const labels = { ...n.metadata.labels };
      if (group === undefined) delete labels[NodeLabels.belongingTo];
      else labels[NodeLabels.belongingTo] = group;
      return { ...n, metadata: { ...n.metadata, labels } };
    });
  const holds = (node: string, name: string, ips: string[], what: string) =>
    waitFor(() => (heldIPs(edges.get(node)!, name)?.join() === ips.join() ? true : undefined), {
      what: `${node} holding ${what} (has ${JSON.stringify(heldIPs(edges.get(node)!, name))})`,
      timeoutMs: 10_000,
    });

  beforeEach(async () => {
    dir = await tempDir('kedge-service-sync-');
    const storePath = join(dir.path, 'kedge.db');
    store = openSqliteStore({ path: storePath, log: testLogger(), pollIntervalMs: 10 });
    await store.create('Service', service('web', true));
    await store.create('Service', service('api', false));
    await store.create('EndpointSlice', slice('web'));
    await store.create('EndpointSlice', slice('api'));
    cloud = await startTestCloud({ storePath, replicaId: 'cloudcore-a' });
    for (const node of ['a-1', 'a-2', 'b-1', 'b-2', 'loner']) {
      edges.set(node, await ObjectEdge.connect(cloud.port, node, TEST_SECRET));
    }
    for (const node of ['a-1', 'a-2']) await label(node, 'a');
    for (const node of ['b-1', 'b-2']) await label(node, 'b');
  });
  afterEach(async () => {
    await Promise.all([...edges.values()].map((e) => e.close()));
    edges.clear();
    await cloud.stop();
    await store.close();
    await dir.cleanup();
  });

  it("each node holds only its own group's endpoints of a range-nodegroup Service; a node in no group none", async () => {
    const a = [ENDPOINTS['a-1']!, ENDPOINTS['a-2']!];
    const b = [ENDPOINTS['b-1']!, ENDPOINTS['b-2']!];
    for (const node of ['a-1', 'a-2']) await holds(node, 'web', a, "group a's endpoints");
    for (const node of ['b-1', 'b-2']) await holds(node, 'web', b, "group b's endpoints");
    await holds('loner', 'web', [], 'no endpoints');
    // The Service itself reaches every node, unchanged.
    for (const edge of edges.values()) {
      expect(edge.objects().some((o) => o.startsWith('insert shop/service/web@'))).toBe(true);
    }
    // A query answers with the node's own view too.
    const reply = await edges.get('loner')!.request('query', 'shop/endpointslice/web', null);
    expect(reply.content, JSON.stringify(reply)).toMatchObject({ kind: 'EndpointSlice', endpoints: [] });
  });

  it('a Service without the annotation reaches every node whole (endpoints without a node included)', async () => {
    const all = [...Object.values(ENDPOINTS), '10.244.9.9'].sort();
    for (const node of edges.keys()) await holds(node, 'api', all, 'every endpoint of api');
  });

  it('a node moved from group b to a: both groups follow within 5 s; the unfiltered slice is not re-sent', async () => {
    await holds('a-1', 'web', [ENDPOINTS['a-1']!, ENDPOINTS['a-2']!], "group a's endpoints");
    await holds('b-1', 'web', [ENDPOINTS['b-1']!, ENDPOINTS['b-2']!], "group b's endpoints");
    const apiSends = edges
      .get('a-1')!
      .objects()
      .filter((o) => o.includes('/endpointslice/api')).length;
    const moved = Date.now();
    await label('b-2', 'a');
    const grown = [ENDPOINTS['a-1']!, ENDPOINTS['a-2']!, ENDPOINTS['b-2']!].sort();
    for (const node of ['a-1', 'a-2', 'b-2']) await holds(node, 'web', grown, 'group a grown by b-2');
    await holds('b-1', 'web', [ENDPOINTS['b-1']!], 'group b shrunk to b-1');
    expect(Date.now() - moved).toBeLessThan(5000);
    await label('a-1', undefined);
    await holds('a-1', 'web', [], 'nothing once in no group');
    expect(
      edges
        .get('a-1')!
        .objects()
        .filter((o) => o.includes('/endpointslice/api')),
    ).toHaveLength(apiSends);
  });
});
