// Finding 2 of issue 8: in v1alpha1 mode node A, with its own valid token,
// reported for node B (the v1alpha1 route was not checked and the handler
// trusted the node name in it): B moved to Successful while it did nothing,
// and one forged failure stopped a whole job. Here A forges reports for B on
// the v1alpha1 and the v1alpha2 routes against real cloudcore and
// controllermanager processes: every one is refused with a code, B's entry
// and the job do not move.
import {
  newMessage,
  nodeTaskResource,
  rfc3339,
  v1alpha1Entries,
  v1alpha1ReportResource,
  type Message,
  type V1alpha1Job,
} from '@kedge/api';
import { LocalCloud, type CloudCoreReplica } from '@kedge/localup';
import { tempDir, waitFor, type TempDir } from '@kedge/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawEdgeClient } from '../support/raw-edge-client.ts';

const NODES = ['node-a', 'node-b'];

interface Fleet {
  dir: TempDir;
  cloud: LocalCloud;
  cloudcore: CloudCoreReplica;
  edges: Map<string, RawEdgeClient>;
}

async function startFleet(v1alpha1: boolean): Promise<Fleet> {
  const dir = await tempDir('kedge-sec-impersonation-');
  const cloud = new LocalCloud({ dir: dir.path, featureGates: { disableNodeTaskV1alpha2: v1alpha1 } });
  const cloudcore = await cloud.addCloudCore();
  await cloud.startControllerManager();
  const edges = new Map<string, RawEdgeClient>();
  for (const name of NODES) {
    const edge = await RawEdgeClient.connect(cloudcore.address, name, cloud.token(name));
    expect((await edge.register(name)).route.operation).toBe('response');
    edges.set(name, edge);
  }
  return { dir, cloud, cloudcore, edges };
}

async function stopFleet(f: Fleet | undefined): Promise<void> {
  for (const e of f?.edges.values() ?? []) e.close();
  await f?.cloud.close();
  await f?.dir.cleanup();
}

async function send(edge: RawEdgeClient, msg: Message): Promise<Message> {
  edge.send(msg);
  return edge.replyTo(msg.header.msg_id);
}

const upgradeJob = (apiVersion: string) => ({
  apiVersion,
  kind: 'NodeUpgradeJob',
  metadata: { name: 'fleet-upgrade' },
  spec: {
    version: 'v9.9.9',
    image: '127.0.0.1:1/kedge/installation-package',
    // pinned by the author, so controllermanager does not resolve (and fail) the unreachable image
    imageDigestGatter: { amd64: `sha256:${'1'.repeat(64)}`, arm64: `sha256:${'1'.repeat(64)}` },
    nodeNames: NODES,
    concurrency: 2,
    timeoutSeconds: 600,
  },
});

describe('security: a node cannot report for another node (v1alpha1 routes)', () => {
  let f: Fleet;
  beforeAll(async () => {
    f = await startFleet(true);
  });
  afterAll(() => stopFleet(f));

  it('refuses node-a answering for node-b, by route or by content; node-b and the job do not move', async () => {
    const a = f.edges.get('node-a')!;
    await f.cloud.store.create('NodeUpgradeJob', upgradeJob('operations.kubeedge.io/v1alpha1') as never);
    // Wait until the cloud sent node-b its first stage: there is something to forge an answer for.
    const sent = await waitFor(
      async () => {
        const job = (await f.cloud.store.get('NodeUpgradeJob', 'fleet-upgrade')) as V1alpha1Job | undefined;
        const b = job ? v1alpha1Entries(job).find((e) => e.nodeName === 'node-b') : undefined;
        return b?.startTime ? b : undefined;
      },
      { what: 'node-b dispatched', timeoutMs: 30_000 },
    );
    const forged = (routeNode: string, contentNode: string, action: string) =>
      newMessage({
        source: 'taskmanager',
        group: 'taskmanager',
        operation: 'upgrade',
        resource: v1alpha1ReportResource('fleet-upgrade', routeNode),
        sync: true,
        content: {
          NodeName: contentNode,
          State: sent.state,
          Event: 'Check',
          Action: action,
          Reason: 'forged by node-a',
          Time: rfc3339(),
        },
      });
    for (const msg of [
      forged('node-b', 'node-b', 'Failure'),
      forged('node-b', 'node-a', 'Success'),
      forged('node-a', 'node-b', 'Failure'),
    ]) {
      const reply = await send(a, msg);
      expect(reply.route.operation).toBe('error');
      expect(reply.content).toMatchObject({ code: 'KEDGE_WIRE_IMPERSONATION', retryable: false });
    }
    const job = (await f.cloud.store.get('NodeUpgradeJob', 'fleet-upgrade')) as V1alpha1Job;
    const b = v1alpha1Entries(job).find((e) => e.nodeName === 'node-b');
    expect(b).toEqual(sent);
    expect(job.status?.phase).not.toBe('Failure');
    expect((job.status as { state?: string }).state).not.toBe('Failed');
  });
});

describe('security: a node cannot report for another node (v1alpha2 routes)', () => {
  let f: Fleet;
  beforeAll(async () => {
    f = await startFleet(false);
  });
  afterAll(() => stopFleet(f));

  it('refuses node-a reporting status or progress for node-b; node-b and the job do not move', async () => {
    const a = f.edges.get('node-a')!;
    const created = await f.cloud.store.create(
      'NodeUpgradeJob',
      upgradeJob('operations.kubeedge.io/v1alpha2') as never,
    );
    await waitFor(
      async () => {
        const job = await f.cloud.store.get('NodeUpgradeJob', 'fleet-upgrade');
        return job?.status?.nodeStatus?.some((e) => e.nodeName === 'node-b') === true;
      },
      { what: 'node-b has an entry', timeoutMs: 30_000 },
    );
    for (const operation of ['UpdateNodeActionStatus', 'UpdateNodeActionProgress']) {
      const reply = await send(
        a,
        newMessage({
          source: 'taskmanager',
          group: 'taskmanager',
          operation,
          resource: nodeTaskResource('nodeupgradejob', 'fleet-upgrade', 'node-b'),
          sync: true,
          content: {
            action: 'Check',
            succ: false,
            reason: 'forged by node-a',
            finishTime: rfc3339(),
            jobUid: created.metadata.uid,
          },
        }),
      );
      expect(reply.content).toMatchObject({ code: 'KEDGE_WIRE_IMPERSONATION', retryable: false });
    }
    const job = await f.cloud.store.get('NodeUpgradeJob', 'fleet-upgrade');
    const b = job?.status?.nodeStatus?.find((e) => e.nodeName === 'node-b');
    expect(b?.actionFlow ?? []).toEqual([]);
    expect(b?.reason).toBeUndefined();
    expect(job?.status?.phase).not.toBe('Failure');
  });
});
