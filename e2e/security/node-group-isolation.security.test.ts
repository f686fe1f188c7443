// The traffic closed loop is a boundary between regions: a node of group
// east must never learn the backends of group west for a range-nodegroup
// Service. Node mallory (group east, its own valid credential) against a
// real cloudcore process: what it is sent, what it can query and what it
// gets by registering itself with west's belonging-to label (a label a node
// may not set on itself) hold only east's endpoints; west's address never
// crosses the tunnel to it.
import { newMessage, NodeLabels, type EndpointSlice, type Message, type Node } from '@kedge/api';
import { LocalCloud, type CloudCoreReplica } from '@kedge/localup';
import { mutate } from '@kedge/store';
import { tempDir, waitFor, type TempDir } from '@kedge/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawEdgeClient } from '../support/raw-edge-client.ts';

const WEST_BACKEND = '10.2.0.2';
const EAST = ['10.1.0.2', '10.1.0.3'];

describe('a node sees only its own group’s endpoints of a range-nodegroup Service', () => {
  let dir: TempDir;
  let cloud: LocalCloud;
  let cloudcore: CloudCoreReplica;
  let mallory: RawEdgeClient;

  const slices = (): EndpointSlice[] =>
    mallory.received
      .filter((m) => m.route.resource === 'shop/endpointslice/api' && m.route.operation !== 'response')
      .map((m) => m.content as EndpointSlice);
  const ips = (s: EndpointSlice | undefined) => (s?.endpoints ?? []).map((e) => e.addresses[0]).sort();

  beforeAll(async () => {
    dir = await tempDir('kedge-sec-group-isolation-');
    cloud = new LocalCloud({ dir: dir.path, keepaliveTimeout: 120 });
    cloudcore = await cloud.addCloudCore();
    for (const [name, group] of [
      ['edge-east-2', 'east'],
      ['edge-west-1', 'west'],
    ] as const) {
      await cloud.store.create('Node', {
        apiVersion: 'v1',
        kind: 'Node',
        metadata: { name, labels: { [NodeLabels.belongingTo]: group } },
        spec: {},
      } as Node);
    }
    await cloud.store.create('Service', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name: 'api',
        namespace: 'shop',
        annotations: { 'apps.kubeedge.io/service-topology': 'range-nodegroup' },
      },
      spec: { selector: { app: 'api' }, clusterIP: '10.96.0.20', ports: [{ port: 80, targetPort: 8080 }] },
    });
    await cloud.store.create('EndpointSlice', {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: 'api', namespace: 'shop', labels: { 'kubernetes.io/service-name': 'api' } },
      addressType: 'IPv4',
      endpoints: [
        { addresses: [EAST[0]!], nodeName: 'edge-east-2' },
        { addresses: [WEST_BACKEND], nodeName: 'edge-west-1' },
        { addresses: [EAST[1]!], nodeName: 'edge-mallory' },
      ],
      ports: [{ port: 8080 }],
    });
    mallory = await RawEdgeClient.connect(cloudcore.address, 'edge-mallory', cloud.token('edge-mallory'));
    await mallory.register('edge-mallory');
    await waitFor(async () => ((await cloud.store.get('Node', 'edge-mallory')) ? true : undefined), {
      what: 'the Node of edge-mallory',
    });
    await mutate(cloud.store, 'Node', 'edge-mallory', (n) => ({
      ...n,
      metadata: { ...n.metadata, labels: { ...n.metadata.labels, [NodeLabels.belongingTo]: 'east' } },
    }));
  });
  afterAll(async () => {
    mallory?.close();
    await cloud?.close();
    await dir?.cleanup();
  });

  it("is sent east's endpoints only; west's backend never reaches it", async () => {
    await waitFor(() => (ips(slices().at(-1)).join() === EAST.join() ? true : undefined), {
      what: "east's endpoints on mallory",
      timeoutMs: 20_000,
    });
    expect(JSON.stringify(mallory.received)).not.toContain(WEST_BACKEND);
  });

  it("a query of the slice answers east's view", async () => {
    const msg = newMessage({
      source: 'edged',
      group: 'resource',
      operation: 'query',
      resource: 'shop/endpointslice/api',
      content: null,
      sync: true,
    });
    mallory.send(msg);
    const reply: Message = await mallory.replyTo(msg.header.msg_id);
    expect(ips(reply.content as EndpointSlice)).toEqual(EAST);
  });

  it("registering with west's belonging-to label moves it nowhere", async () => {
    await mallory.register('edge-mallory', { [NodeLabels.belongingTo]: 'west' });
    await new Promise((r) => setTimeout(r, 2000));
    const node = await cloud.store.get('Node', 'edge-mallory');
    expect(node?.metadata.labels?.[NodeLabels.belongingTo]).toBe('east');
    expect(JSON.stringify(mallory.received)).not.toContain(WEST_BACKEND);
  });
});
