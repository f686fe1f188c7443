// ObjectSync's own delivery rules, on a real SQLite store, informers and
// records, with a recording sender in place of the tunnel: an object message
// that is never acked, or answered with an error, is sent again; an acked one
// is not.
import { newMessage, type Message, type ObjectAckContent } from '@kedge/api';
import { openSqliteStore, type ResourceStore } from '@kedge/store';
import { tempDir, waitFor, type TempDir } from '@kedge/testing';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ObjectSyncRecords } from '../../objectsync/object-sync-records.ts';
import { testLogger } from '../../../test/task-cloud.ts';
import { NodeObjects } from '../node-objects.ts';
import { ObjectSync } from './object-sync.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('object messages the node does not ack', () => {
  let dir: TempDir;
  let store: ResourceStore;
  let stop: AbortController;
  let sync: ObjectSync;
  const sent: Message[] = [];
  /** When each message of `sent` was handed to the sender. */
  const sentAt: number[] = [];
  /** What the sender says waits unhandled from the node (its ack could be in there). */
  let waiting = 0;

  beforeEach(async () => {
    dir = await tempDir('kedge-objectsync-unit-');
    store = openSqliteStore({ path: join(dir.path, 'kedge.db'), log: testLogger(), pollIntervalMs: 10 });
    await store.create('Pod', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web-1', namespace: 'shop' },
      spec: { nodeName: 'edge-1', containers: [{ name: 'c', image: 'app:v1' }] },
    });
    stop = new AbortController();
    const log = testLogger();
    const records = new ObjectSyncRecords({ store, log });
    const objects: NodeObjects = new NodeObjects({
      store,
      log,
      signal: stop.signal,
      onChange: (nodes) => sync.changed(nodes),
    });
    sent.length = 0;
    sentAt.length = 0;
    waiting = 0;
    const record = (msgs: readonly Message[]): boolean => {
      for (const m of msgs) {
        sent.push(m);
        sentAt.push(Date.now());
      }
      return true;
    };
    sync = new ObjectSync({
      sender: { connected: () => true, send: (_node, msgs) => record(msgs), upstreamWaiting: () => waiting },
      objects,
      records,
      log,
      ackTimeoutMs: 200,
    });
    objects.start();
  });
  afterEach(async () => {
    stop.abort();
    await store.close();
    await dir.cleanup();
  });

  const reply = (to: Message, operation: string, content: unknown): Message =>
    newMessage({
      source: 'metamanager',
      group: 'resource',
      operation,
      resource: to.route.resource,
      parentId: to.header.msg_id,
      content,
    });

  it('sends again after the ack timeout, and not after the ack', async () => {
    await sync.nodeConnected('edge-1');
    expect(sent.map((m) => m.route.resource)).toEqual(['shop/pod/web-1']);
    await waitFor(() => sent.length === 2 || undefined, {
      what: 'the unacked pod sent again',
      timeoutMs: 2000,
    });
    const last = sent[1]!;
    expect(sync.owns(sent[0]!)).toBe(false);
    const ack: ObjectAckContent = {
      status: 'OK',
      objectUID: (last.content as { metadata: { uid: string } }).metadata.uid,
      objectResourceVersion: last.header.resourceversion!,
      outcome: 'applied',
    };
    await sync.answered('edge-1', reply(last, 'response', ack));
    await sleep(600);
    expect(sent).toHaveLength(2);
  });

  it('waits twice as long before each further resend to a node that does not ack', async () => {
    await sync.nodeConnected('edge-1');
    await waitFor(() => sent.length === 4 || undefined, { what: 'three resends', timeoutMs: 5000 });
    const gaps = sentAt.slice(1).map((t, i) => t - sentAt[i]!);
    // 200, 400, 800 ms: each gap at least the timeout it was due after, and growing
    expect(gaps[0]).toBeGreaterThanOrEqual(190);
    expect(gaps[1]).toBeGreaterThanOrEqual(390);
    expect(gaps[2]).toBeGreaterThanOrEqual(790);
    expect(sent.map((m) => m.route.resource)).toEqual(Array.from({ length: 4 }, () => 'shop/pod/web-1'));
  });

  it("does not send again while the node's own messages wait unhandled here", async () => {
    waiting = 3;
    await sync.nodeConnected('edge-1');
    await sleep(700); // three ack timeouts
    expect(sent).toHaveLength(1);
    waiting = 0;
    await waitFor(() => sent.length === 2 || undefined, {
      what: 'the resend once the queue is read',
      timeoutMs: 2000,
    });
  });

  it('sends again after an error reply', async () => {
    await sync.nodeConnected('edge-1');
    await sync.answered(
      'edge-1',
      reply(sent[0]!, 'error', { code: 'KEDGE_STORE_UNAVAILABLE', message: 'disk full', retryable: true }),
    );
    await waitFor(() => sent.length === 2 || undefined, {
      what: 'the refused pod sent again',
      timeoutMs: 3000,
    });
  });
});
