// Finding 4 of issue 8: a node could fill the cloud's disk with Events (any
// namespace, any fields, no rate limit, no TTL: 100 Events of 900 kB grew the
// database by 176 MB in 6.5 s). Against a real cloudcore on the embedded
// store: a node floods big and small Events and Events outside its scope;
// the database stays small, the excess is refused with codes, its session
// stays up, and another node is served meanwhile.
import { statSync } from 'node:fs';
import { newMessage, type Message, type WireErrorContent } from '@kedge/api';
import { LocalCloud, type CloudCoreReplica } from '@kedge/localup';
import { tempDir, type TempDir } from '@kedge/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawEdgeClient } from '../support/raw-edge-client.ts';

const MB = 1024 * 1024;

function eventMessage(
  node: string,
  name: string,
  message: string,
  namespace = 'default',
  about = node,
): Message {
  return newMessage({
    source: 'metaserver',
    group: 'resource',
    operation: 'insert',
    resource: `${namespace}/event/${name}`,
    sync: true,
    content: {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace },
      involvedObject: { kind: 'Node', name: about },
      reason: 'Flood',
      message,
    },
  });
}

describe('security: a node cannot fill the cloud with Events', () => {
  let dir: TempDir;
  let cloud: LocalCloud;
  let cloudcore: CloudCoreReplica;
  let flooder: RawEdgeClient;
  let bystander: RawEdgeClient;

  const dbBytes = (): number =>
    ['', '-wal'].reduce(
      (sum, suffix) => sum + (statSync(`${cloud.storePath}${suffix}`, { throwIfNoEntry: false })?.size ?? 0),
      0,
    );
  const replies = async (client: RawEdgeClient, msgs: Message[]): Promise<Message[]> =>
    Promise.all(msgs.map((m) => client.replyTo(m.header.msg_id, 60_000)));
  const codes = (rs: Message[]): Record<string, number> => {
    const out: Record<string, number> = {};
    for (const r of rs) {
      const code = r.route.operation === 'error' ? (r.content as WireErrorContent).code : 'OK';
      out[code] = (out[code] ?? 0) + 1;
    }
    return out;
  };

  beforeAll(async () => {
    dir = await tempDir('kedge-sec-events-');
    cloud = new LocalCloud({ dir: dir.path, maxMessageBytes: 1024 * 1024 });
    cloudcore = await cloud.addCloudCore();
    flooder = await RawEdgeClient.connect(cloudcore.address, 'flooder', cloud.token('flooder'));
    await flooder.register('flooder');
    bystander = await RawEdgeClient.connect(cloudcore.address, 'bystander', cloud.token('bystander'));
    await bystander.register('bystander');
  });

  afterAll(async () => {
    flooder?.close();
    bystander?.close();
    await cloud?.close();
    await dir?.cleanup();
  });

  it('refuses 900 kB Events and Events outside the node scope; the database does not grow', async () => {
    const before = dbBytes();
    const big = 'x'.repeat(900 * 1024);
    const flood = Array.from({ length: 40 }, (_, i) => eventMessage('flooder', `flooder.big-${i}`, big));
    const outside = [
      eventMessage('flooder', 'flooder.ns', 'm', 'kube-system'),
      eventMessage('flooder', 'flooder.other', 'm', 'default', 'bystander'),
      eventMessage('flooder', 'bystander.mine', 'm'),
    ];
    for (const m of [...flood, ...outside]) flooder.send(m);
    const floodCodes = codes(await replies(flooder, flood));
    expect(floodCodes['OK']).toBeUndefined();
    expect((floodCodes['KEDGE_EVENT_INVALID'] ?? 0) + (floodCodes['KEDGE_WIRE_RATE_LIMITED'] ?? 0)).toBe(40);
    const outsideReplies = await replies(flooder, outside);
    for (const r of outsideReplies)
      expect(['KEDGE_EVENT_OUT_OF_SCOPE', 'KEDGE_WIRE_IMPERSONATION']).toContain(
        (r.content as WireErrorContent).code,
      );
    expect(dbBytes() - before).toBeLessThan(4 * MB);
    const stored = (await cloud.store.list('Event')).items.filter((e) =>
      e.metadata.name.startsWith('flooder.'),
    );
    expect(stored).toEqual([]);
  });

  it('rate-limits small Events to the burst plus 30 a second, keeps the session, and serves another node', async () => {
    const started = Date.now();
    const small = Array.from({ length: 300 }, (_, i) =>
      eventMessage('flooder', `flooder.small-${i}`, 'tiny'),
    );
    for (const m of small) flooder.send(m);
    const probe = eventMessage('bystander', 'bystander.during-flood', 'still served');
    bystander.send(probe);
    const probeReply = await bystander.replyTo(probe.header.msg_id, 5000);
    expect(probeReply.route.operation).toBe('response');

    const smallCodes = codes(await replies(flooder, small));
    const seconds = (Date.now() - started) / 1000;
    expect(smallCodes['KEDGE_WIRE_RATE_LIMITED']).toBeGreaterThan(0);
    expect(smallCodes['OK'] ?? 0).toBeLessThanOrEqual(Math.ceil(60 + 30 * seconds) + 1);
    const rateLimited = (await replies(flooder, small)).find((r) => r.route.operation === 'error');
    expect(rateLimited?.content).toMatchObject({ code: 'KEDGE_WIRE_RATE_LIMITED', retryable: true });

    // Still connected: after a pause the node's next Event is accepted.
    await new Promise((r) => setTimeout(r, 1500));
    expect(flooder.ws.readyState).toBe(flooder.ws.OPEN);
    const after = eventMessage('flooder', 'flooder.after', 'calm again');
    flooder.send(after);
    expect((await flooder.replyTo(after.header.msg_id)).route.operation).toBe('response');
    expect(cloudcore.running.stdout()).toContain('KEDGE_WIRE_RATE_LIMITED');
  });
});
