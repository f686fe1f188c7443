import { describe, expect, it } from 'vitest';
import { MessageSchema, newMessage, replyTo } from './message.ts';

describe('message envelope', () => {
  it('keeps KubeEdge field names on the wire and survives a JSON round trip', () => {
    const msg = newMessage({
      source: 'taskmanager',
      group: 'taskmanager',
      operation: 'Check',
      resource: 'operations.kubeedge.io/v1alpha2/nodeupgradejob/up-1/node/edge-1',
      content: { version: 'v1.21.0' },
      parentId: 'parent-1',
      resourceVersion: '42',
      sync: true,
      now: 1_700_000_000_000,
    });
    const wire = JSON.parse(JSON.stringify(msg)) as Record<string, Record<string, unknown>>;
    expect(Object.keys(wire).sort()).toEqual(['content', 'header', 'route']);
    expect(wire.header).toMatchObject({
      msg_id: msg.header.msg_id,
      parent_msg_id: 'parent-1',
      resourceversion: '42',
      sync: true,
      timestamp: 1_700_000_000_000,
    });
    expect(wire.route).toEqual({
      source: 'taskmanager',
      group: 'taskmanager',
      operation: 'Check',
      resource: 'operations.kubeedge.io/v1alpha2/nodeupgradejob/up-1/node/edge-1',
    });
    expect(MessageSchema.parse(wire)).toEqual(msg);
  });

  it('leaves optional header fields out instead of writing null', () => {
    const msg = newMessage({
      source: 'edged',
      group: 'meta',
      operation: 'insert',
      resource: 'default/pod/p',
    });
    expect(Object.keys(msg.header).sort()).toEqual(['msg_id', 'timestamp']);
    expect(msg.content).toBeNull();
  });

  it('gives every message its own id', () => {
    const o = { source: 's', group: 'g', operation: 'o', resource: 'r' };
    expect(newMessage(o).header.msg_id).not.toBe(newMessage(o).header.msg_id);
  });

  it('points a reply at its request with parent_msg_id', () => {
    const request = newMessage({
      source: 'edgehub',
      group: 'resource',
      operation: 'query',
      resource: 'ns/secret/s',
    });
    const reply = replyTo(request, 'cloudhub', { ok: true });
    expect(reply.header.parent_msg_id).toBe(request.header.msg_id);
    expect(reply.route).toMatchObject({ operation: 'response', resource: 'ns/secret/s', source: 'cloudhub' });
  });

  it('rejects a frame without a msg_id or route.source', () => {
    const bad = {
      header: { timestamp: 1 },
      route: { group: 'g', operation: 'o', resource: 'r' },
      content: null,
    };
    const result = MessageSchema.safeParse(bad);
    expect(result.success).toBe(false);
    const paths = result.error?.issues.map((i) => i.path.join('.'));
    expect(paths).toEqual(expect.arrayContaining(['header.msg_id', 'route.source']));
  });
});
