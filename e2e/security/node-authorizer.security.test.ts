// The node authorizer rule on the tunnel (issue 10): a node is sent, and may
// read, only its own pods and the ConfigMaps/Secrets those pods reference,
// and reports status and Events only for its own pods. Here node mallory,
// with its own valid credential and one pod of its own, goes after node
// alice's pod and Secret against a real cloudcore process: it is never sent
// them, its query is refused (KEDGE_NODE_FORBIDDEN, logged), a forged status
// for alice's pod is refused (KEDGE_WIRE_IMPERSONATION) and changes nothing,
// and an Event about alice's pod is not stored.
import { newMessage, type Message, type Pod } from '@kedge/api';
import { LocalCloud, type CloudCoreReplica } from '@kedge/localup';
import { tempDir, waitFor, type TempDir } from '@kedge/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawEdgeClient } from '../support/raw-edge-client.ts';

const ALICE_SECRET = Buffer.from('alice-database-password').toString('base64');

const pod = (name: string, node: string, secret: string): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'shop' },
  spec: {
    nodeName: node,
    containers: [
      {
        name: 'app',
        image: '127.0.0.1:5000/app:v1',
        env: [{ name: 'P', valueFrom: { secretKeyRef: { name: secret, key: 'p' } } }],
      },
    ],
  },
});

describe('a node reads and reports only what its own pods are about', () => {
  let dir: TempDir;
  let cloud: LocalCloud;
  let cloudcore: CloudCoreReplica;
  let mallory: RawEdgeClient;

  const request = async (operation: string, resource: string, content: unknown): Promise<Message> => {
    const msg = newMessage({ source: 'edged', group: 'resource', operation, resource, content, sync: true });
    mallory.send(msg);
    return mallory.replyTo(msg.header.msg_id);
  };

  beforeAll(async () => {
    dir = await tempDir('kedge-sec-node-authorizer-');
    cloud = new LocalCloud({ dir: dir.path, keepaliveTimeout: 120 });
    cloudcore = await cloud.addCloudCore();
    for (const [name, value] of [
      ['alice-db', ALICE_SECRET],
      ['mallory-db', Buffer.from('mine').toString('base64')],
    ] as const) {
      await cloud.store.create('Secret', {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name, namespace: 'shop' },
        data: { p: value },
      });
    }
    await cloud.store.create('Pod', pod('alice-web', 'edge-alice', 'alice-db'));
    await cloud.store.create('Pod', pod('mallory-web', 'edge-mallory', 'mallory-db'));
    mallory = await RawEdgeClient.connect(cloudcore.address, 'edge-mallory', cloud.token('edge-mallory'));
    await mallory.register('edge-mallory');
  });
  afterAll(async () => {
    mallory?.close();
    await cloud?.close();
    await dir?.cleanup();
  });

  it("is sent its own pod and Secret, never another node's", async () => {
    await waitFor(
      () => mallory.received.some((m) => m.route.resource === 'shop/secret/mallory-db') || undefined,
      {
        what: "mallory's own Secret",
        timeoutMs: 20_000,
      },
    );
    await new Promise((r) => setTimeout(r, 1000));
    const all = JSON.stringify(mallory.received);
    expect(all).not.toContain('alice-db');
    expect(all).not.toContain('alice-web');
    expect(all).not.toContain(ALICE_SECRET);
  });

  it('a query for a Secret no pod of its own uses is refused with a code and logged', async () => {
    const reply = await request('query', 'shop/secret/alice-db', null);
    expect(reply.route.operation).toBe('error');
    expect(reply.content).toMatchObject({ code: 'KEDGE_NODE_FORBIDDEN' });
    expect(JSON.stringify(reply)).not.toContain(ALICE_SECRET);
    await cloudcore.running.waitForLine(/edge-mallory may not read shop\/secret\/alice-db/, 10_000);
    const podQuery = await request('query', 'shop/pod/alice-web', null);
    expect(podQuery.content).toMatchObject({ code: 'KEDGE_NODE_FORBIDDEN' });
  });

  it("a status for another node's pod is refused and changes nothing", async () => {
    const alice = await cloud.store.get('Pod', 'alice-web', 'shop');
    const reply = await request('update', 'shop/podstatus/alice-web', {
      UID: alice?.metadata.uid,
      Name: 'alice-web',
      Status: { phase: 'Failed', reason: 'Forged' },
    });
    expect(reply.content).toMatchObject({ code: 'KEDGE_WIRE_IMPERSONATION' });
    expect((await cloud.store.get('Pod', 'alice-web', 'shop'))?.status?.phase).not.toBe('Failed');
  });

  it("an Event about another node's pod is not stored", async () => {
    const reply = await request('insert', 'shop/event/alice-web.1', {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'alice-web.1', namespace: 'shop' },
      involvedObject: { kind: 'Pod', name: 'alice-web', namespace: 'shop' },
      reason: 'Killing',
      message: 'forged',
    });
    expect(reply.content).toMatchObject({ code: 'KEDGE_EVENT_OUT_OF_SCOPE' });
    expect(await cloud.store.get('Event', 'alice-web.1', 'shop')).toBeUndefined();
  });
});
