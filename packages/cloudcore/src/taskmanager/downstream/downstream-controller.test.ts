import { newMessage, type Message } from '@kedge/api';
import { describe, expect, it } from 'vitest';
import type { NodeSession } from '../../cloudhub/node-session.ts';
import { testLogger } from '../../../test/task-cloud.ts';
import { DownstreamController } from './downstream-controller.ts';

/** A hub of registered sessions whose sockets record what they were given. */
class RecordingHub {
  readonly sessions = new Map<string, NodeSession>();
  readonly wire: { node: string; session: NodeSession; resource: string }[] = [];
  /** Sends a session refuses (its send buffer is full). */
  refuse = new Set<string>();

  connect(node: string): NodeSession {
    const session = { registered: true, closed: false, nodeName: node } as NodeSession;
    this.sessions.set(node, session);
    return session;
  }

  session(node: string): NodeSession | undefined {
    return this.sessions.get(node);
  }

  send(node: string, msg: Message): boolean {
    const session = this.sessions.get(node);
    if (!session?.registered || session.closed || this.refuse.has(msg.route.resource)) return false;
    this.wire.push({ node, session, resource: msg.route.resource });
    return true;
  }
}

const msg = (resource: string): Message =>
  newMessage({ source: 'test', group: 'resource', operation: 'insert', resource });

function setup() {
  const hub = new RecordingHub();
  const downstream = new DownstreamController({ hub, log: testLogger() });
  return { hub, downstream };
}

describe('DownstreamController', () => {
  it('sends a version of a stream once per node session, and again on the next session', () => {
    const { hub, downstream } = setup();
    const first = hub.connect('n1');
    const build = () => [msg('ns/secret/pull'), msg('task')];
    expect(downstream.sendOnce('n1', 'task A', 'uid-1', build)).toBe('sent');
    expect(downstream.sendOnce('n1', 'task A', 'uid-1', build)).toBe('already-sent');
    expect(downstream.sendOnce('n1', 'task A', 'uid-2', build)).toBe('sent');
    expect(downstream.sendOnce('n1', 'task A', 'uid-2', build, { force: true })).toBe('sent');
    first.closed = true;
    expect(downstream.sendOnce('n1', 'task A', 'uid-2', build)).toBe('not-sent');
    const second = hub.connect('n1');
    expect(downstream.sendOnce('n1', 'task A', 'uid-2', build)).toBe('sent');
    expect(hub.wire.map((w) => [w.session === first ? 'first' : 'second', w.resource])).toEqual([
      ['first', 'ns/secret/pull'],
      ['first', 'task'],
      ['first', 'ns/secret/pull'],
      ['first', 'task'],
      ['first', 'ns/secret/pull'],
      ['first', 'task'],
      ['second', 'ns/secret/pull'],
      ['second', 'task'],
    ]);
    expect(second.closed).toBe(false);
  });

  it('keeps a node’s messages in order and stops at the first its session refuses, recording nothing', () => {
    const { hub, downstream } = setup();
    hub.connect('n1');
    hub.refuse.add('b');
    expect(downstream.sendOnce('n1', 's', 'v', () => [msg('a'), msg('b'), msg('c')])).toBe('not-sent');
    expect(hub.wire.map((w) => w.resource)).toEqual(['a']);
    hub.refuse.clear();
    expect(downstream.sendOnce('n1', 's', 'v', () => [msg('a'), msg('b'), msg('c')])).toBe('sent');
    expect(hub.wire.map((w) => w.resource)).toEqual(['a', 'a', 'b', 'c']);
  });

  it('sends nothing, and builds nothing, to a node without a registered session here', () => {
    const { hub, downstream } = setup();
    hub.connect('n1').registered = false;
    let built = 0;
    const build = () => {
      built++;
      return [msg('task')];
    };
    expect(downstream.connected('n1')).toBe(false);
    expect(downstream.sendOnce('n1', 's', 'v', build)).toBe('not-sent');
    expect(downstream.sendOnce('ghost', 's', 'v', build)).toBe('not-sent');
    expect(built).toBe(0);
    expect(hub.wire).toEqual([]);
  });

  it('forgets a stream on request and a node’s old sessions when it disconnects', () => {
    const { hub, downstream } = setup();
    hub.connect('n1');
    hub.connect('n2');
    const build = () => [msg('task')];
    downstream.sendOnce('n1', 's', 'v', build);
    downstream.sendOnce('n2', 's', 'v', build);
    downstream.forgetStream('s');
    expect(downstream.sendOnce('n1', 's', 'v', build)).toBe('sent');
    // n2's old session closed but the node is already back: only the old session's record goes.
    const old = hub.session('n2')!;
    downstream.sendOnce('n2', 's', 'v', build);
    old.closed = true;
    hub.connect('n2');
    downstream.sendOnce('n2', 's', 'v', build);
    downstream.nodeDisconnected('n2');
    expect(downstream.sendOnce('n2', 's', 'v', build)).toBe('already-sent');
    downstream.nodeDisconnected('n1');
    expect(downstream.sendOnce('n1', 's', 'v', build)).toBe('already-sent');
  });

  it('tells every producer when a node registered, a throwing one notwithstanding', () => {
    const { downstream } = setup();
    const seen: string[] = [];
    downstream.onNodeConnected((n) => seen.push(`tasks:${n}`));
    downstream.onNodeConnected(() => {
      throw new Error('broken producer');
    });
    downstream.onNodeConnected((n) => seen.push(`sync:${n}`));
    downstream.nodeConnected('n1');
    expect(seen).toEqual(['tasks:n1', 'sync:n1']);
  });
});
