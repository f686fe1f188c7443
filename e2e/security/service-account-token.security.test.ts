// ServiceAccount tokens follow the node authorizer rule: a node is sent the
// token of each pod bound to it and of no other pod, and cannot ask for
// another node's pod's token. Node mallory, with its own valid credential
// and one pod, goes after alice's pod's token against a real cloudcore
// (embedded mode: cloudcore mints the tokens).
import { newMessage, type Message, type Pod } from '@kedge/api';
import { LocalCloud, type CloudCoreReplica } from '@kedge/localup';
import { tempDir, waitFor, type TempDir } from '@kedge/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawEdgeClient } from '../support/raw-edge-client.ts';

const pod = (name: string, node: string): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'shop' },
  spec: { nodeName: node, containers: [{ name: 'app', image: '127.0.0.1:5000/app:v1' }] },
});

/** The `kubernetes.io` claim of a JWT (not verified: only who it names matters here). */
const claims = (token: string): { pod?: { name?: string }; node?: { name?: string } } =>
  (JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as Record<string, never>)[
    'kubernetes.io'
  ] ?? {};

describe("a node gets only its own pods' ServiceAccount tokens", () => {
  let dir: TempDir;
  let cloud: LocalCloud;
  let cloudcore: CloudCoreReplica;
  let mallory: RawEdgeClient;

  const query = async (resource: string): Promise<Message> => {
    const msg = newMessage({
      source: 'edged',
      group: 'resource',
      operation: 'query',
      resource,
      content: null,
      sync: true,
    });
    mallory.send(msg);
    return mallory.replyTo(msg.header.msg_id);
  };

  beforeAll(async () => {
    dir = await tempDir('kedge-sec-sa-token-');
    cloud = new LocalCloud({ dir: dir.path, keepaliveTimeout: 120 });
    cloudcore = await cloud.addCloudCore();
    await cloud.store.create('Pod', pod('alice-web', 'edge-alice'));
    await cloud.store.create('Pod', pod('mallory-web', 'edge-mallory'));
    mallory = await RawEdgeClient.connect(cloudcore.address, 'edge-mallory', cloud.token('edge-mallory'));
    await mallory.register('edge-mallory');
  });
  afterAll(async () => {
    mallory?.close();
    await cloud?.close();
    await dir?.cleanup();
  });

  it("is sent its own pod's token, bound to that pod and node, and never alice's", async () => {
    const own = await waitFor(
      () => mallory.received.find((m) => m.route.resource === 'shop/serviceaccounttoken/mallory-web'),
      { what: "mallory's own pod's token", timeoutMs: 20_000 },
    );
    const token = (own.content as { status: { token: string } }).status.token;
    expect(claims(token)).toMatchObject({ pod: { name: 'mallory-web' }, node: { name: 'edge-mallory' } });
    await new Promise((r) => setTimeout(r, 1000));
    expect(mallory.received.map((m) => m.route.resource)).not.toContain('shop/serviceaccounttoken/alice-web');
    expect(JSON.stringify(mallory.received)).not.toContain('"name":"alice-web"');
  });

  it("asking for alice's pod's token is refused with a code and logged; its own is answered", async () => {
    const reply = await query('shop/serviceaccounttoken/alice-web');
    expect(reply.route.operation).toBe('error');
    expect(reply.content).toMatchObject({ code: 'KEDGE_NODE_FORBIDDEN' });
    await cloudcore.running.waitForLine(
      /edge-mallory may not read shop\/serviceaccounttoken\/alice-web/,
      10_000,
    );
    const mine = await query('shop/serviceaccounttoken/mallory-web');
    expect(mine.route.operation).not.toBe('error');
    expect(claims((mine.content as { status: { token: string } }).status.token)).toMatchObject({
      pod: { name: 'mallory-web' },
    });
  });
});
