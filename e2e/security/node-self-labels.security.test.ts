// Finding 3 of issue 8: labels a node sent at register were merged over the
// stored ones, so a node could label itself into a job's labelSelector (and
// receive the Secrets meant for the selected nodes) or overwrite an admin's
// label. Against real cloudcore and controllermanager processes: a node that
// asks for a selection label, a node-restriction label and an admin-owned key
// gets none of them (registration still succeeds, a Warning Event says why),
// and an ImagePrePullJob selecting by the label does not pick it.
import { mutate } from '@kedge/store';
import { LocalCloud, type CloudCoreReplica } from '@kedge/localup';
import { tempDir, waitFor, type TempDir } from '@kedge/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawEdgeClient } from '../support/raw-edge-client.ts';

describe('security: a node cannot choose its own selection labels', () => {
  let dir: TempDir;
  let cloud: LocalCloud;
  let cloudcore: CloudCoreReplica;
  const clients: RawEdgeClient[] = [];

  const connect = async (name: string, labels?: Record<string, string>): Promise<RawEdgeClient> => {
    const client = await RawEdgeClient.connect(cloudcore.address, name, cloud.token(name));
    clients.push(client);
    const reply = await client.register(name, labels);
    expect(reply.route.operation, JSON.stringify(reply.content)).toBe('response');
    return client;
  };
  const labelAsAdmin = (name: string, labels: Record<string, string>) =>
    mutate(cloud.store, 'Node', name, (n) => ({
      ...n,
      metadata: { ...n.metadata, labels: { ...n.metadata.labels, ...labels } },
    }));

  beforeAll(async () => {
    dir = await tempDir('kedge-sec-labels-');
    cloud = new LocalCloud({ dir: dir.path });
    cloudcore = await cloud.addCloudCore();
    await cloud.startControllerManager();
  });

  afterAll(async () => {
    for (const c of clients) c.close();
    await cloud?.close();
    await dir?.cleanup();
  });

  it('drops labels a node may not set and keeps the admin value of a key it may', async () => {
    await connect('trusted-1');
    await labelAsAdmin('trusted-1', { tier: 'secure' });
    const first = await connect('intruder', { 'kubernetes.io/arch': 'amd64' });
    first.close();
    await labelAsAdmin('intruder', { 'topology.kubernetes.io/zone': 'admin-zone' });

    await connect('intruder', {
      tier: 'secure',
      'node-restriction.kubernetes.io/secure': 'true',
      'node-role.kubernetes.io/control-plane': '',
      'topology.kubernetes.io/zone': 'attacker-zone',
      'kubernetes.io/arch': 'arm64',
      'node.kubernetes.io/bad value': 'x',
    });
    const node = await cloud.store.get('Node', 'intruder');
    const labels = node?.metadata.labels ?? {};
    expect(labels['tier']).toBeUndefined();
    expect(labels['node-restriction.kubernetes.io/secure']).toBeUndefined();
    expect(labels['node-role.kubernetes.io/control-plane']).toBeUndefined();
    expect(labels['topology.kubernetes.io/zone']).toBe('admin-zone');
    expect(labels['kubernetes.io/arch']).toBe('arm64'); // its own earlier label: a node may change it

    const events = await waitFor(
      async () => {
        const list = await cloud.store.list('Event', { namespace: 'default' });
        const refused = list.items.filter(
          (e) => e.involvedObject.name === 'intruder' && e.reason === 'LabelsRefused',
        );
        return refused.length > 0 ? refused : undefined;
      },
      { what: 'a LabelsRefused event' },
    );
    expect(events[0]?.message).toMatch(/KEDGE_NODE_LABEL_REFUSED: .*tier/);
    expect(events[0]?.type).toBe('Warning');
  });

  it('does not select the node for a job whose labelSelector it asked for', async () => {
    await cloud.store.create('ImagePrePullJob', {
      apiVersion: 'operations.kubeedge.io/v1alpha2',
      kind: 'ImagePrePullJob',
      metadata: { name: 'secure-pull' },
      spec: {
        imagePrePullTemplate: {
          images: ['127.0.0.1:1/secure/app:1'],
          labelSelector: { matchLabels: { tier: 'secure' } },
        },
      },
    } as never);
    const job = await waitFor(
      async () => {
        const j = await cloud.store.get('ImagePrePullJob', 'secure-pull');
        return (j?.status?.nodeStatus?.length ?? 0) > 0 ? j : undefined;
      },
      { what: 'the job selected its nodes', timeoutMs: 30_000 },
    );
    expect(job.status?.nodeStatus?.map((e) => e.nodeName)).toEqual(['trusted-1']);
  });
});
