import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newMessage, type Message } from '@kedge/api';
import { tempDir, type TempDir } from '@kedge/testing';
import { openEdgeDatabase, type EdgeDatabase } from './edge-database.ts';
import { Outbox } from './outbox.ts';

function report(name: string): Message {
  return newMessage({
    source: 'edged',
    group: 'resource',
    operation: 'insert',
    resource: `default/event/${name}`,
    content: { metadata: { name }, reason: 'Pulled' },
  });
}

describe('Outbox', () => {
  let dir: TempDir;
  let file: string;
  let edb: EdgeDatabase | undefined;

  beforeEach(async () => {
    dir = await tempDir('kedge-outbox-');
    file = join(dir.path, 'edgecore.db');
  });
  afterEach(async () => {
    edb?.close();
    await dir.cleanup();
  });

  const open = (clock?: { now(): number }): Outbox => {
    edb?.close();
    edb = openEdgeDatabase(file);
    return new Outbox(clock ? { db: edb.db, clock } : { db: edb.db });
  };

  it('keeps an enqueued report across a close and reopen until it is acked', () => {
    const first = open();
    const msg = report('e1');
    expect(first.enqueue(msg)).toBe(true);
    edb?.close();
    edb = undefined;

    const again = open();
    expect(again.size()).toBe(1);
    const [pending] = again.pending(10);
    expect(pending?.header.msg_id).toBe(msg.header.msg_id);
    expect(pending?.header.sync).toBe(true);
    expect(pending?.content).toEqual({ metadata: { name: 'e1' }, reason: 'Pulled' });

    expect(again.ack(msg.header.msg_id)).toBe(true);
    expect(open().size()).toBe(0);
  });

  it("stores every report as sync and leaves the caller's message as it was", () => {
    const outbox = open();
    const msg = report('e1');
    const before = structuredClone(msg);
    outbox.enqueue(msg);
    expect(msg).toEqual(before);
    expect(msg.header.sync).toBeUndefined();
    expect(outbox.pending(1)[0]?.header.sync).toBe(true);
  });

  it('returns pending reports oldest first, limited', () => {
    const outbox = open();
    const msgs = ['a', 'b', 'c', 'd'].map(report);
    for (const m of msgs) outbox.enqueue(m);
    expect(outbox.pending(3).map((m) => m.header.msg_id)).toEqual(
      msgs.slice(0, 3).map((m) => m.header.msg_id),
    );
    outbox.ack(msgs[0]!.header.msg_id);
    expect(outbox.pending(10).map((m) => m.route.resource)).toEqual([
      'default/event/b',
      'default/event/c',
      'default/event/d',
    ]);
  });

  it('treats a second enqueue of the same msg_id and a second ack as no-ops', () => {
    const outbox = open();
    const msg = report('e1');
    expect(outbox.enqueue(msg)).toBe(true);
    expect(outbox.enqueue({ ...msg, content: 'changed' })).toBe(false);
    expect(outbox.size()).toBe(1);
    expect(outbox.pending(1)[0]?.content).toEqual({ metadata: { name: 'e1' }, reason: 'Pulled' });
    expect(outbox.ack(msg.header.msg_id)).toBe(true);
    expect(outbox.ack(msg.header.msg_id)).toBe(false);
    expect(outbox.ack('never-queued')).toBe(false);
  });

  it('counts send attempts and records when a report was queued', () => {
    const outbox = open({ now: () => 1_700_000_000_000 });
    const msg = report('e1');
    outbox.enqueue(msg);
    outbox.markAttempts([msg.header.msg_id]);
    outbox.markAttempts([msg.header.msg_id, 'unknown']);
    expect(outbox.entries(1)[0]).toMatchObject({ attempts: 2, createdAt: 1_700_000_000_000 });
    expect(outbox.stats()).toEqual({ pending: 1, maxAttempts: 2 });
  });

  it('enqueueLatest replaces a pending report of the same resource and operation, and only that', () => {
    const outbox = open();
    const status = (name: string, phase: string): Message =>
      newMessage({
        source: 'edged',
        group: 'resource',
        operation: 'update',
        resource: `default/podstatus/${name}`,
        content: { Name: name, Status: { phase } },
      });
    outbox.enqueue(report('e1'));
    expect(outbox.enqueueLatest(status('web', 'Pending'))).toBe(0);
    expect(outbox.enqueueLatest(status('db', 'Pending'))).toBe(0);
    expect(outbox.enqueueLatest(status('web', 'Running'))).toBe(1);
    expect(outbox.pending().map((m) => [m.route.resource, m.content])).toEqual([
      ['default/event/e1', { metadata: { name: 'e1' }, reason: 'Pulled' }],
      ['default/podstatus/db', { Name: 'db', Status: { phase: 'Pending' } }],
      ['default/podstatus/web', { Name: 'web', Status: { phase: 'Running' } }],
    ]);
  });
});
