// A node's upstream queue is bounded: while its handlers are stuck (a slow
// store), at most `max` messages wait; more are refused until some finish.
import type { WebSocket } from 'ws';
import { describe, expect, it } from 'vitest';
import { testLogger } from '../../test/task-cloud.ts';
import { NodeSession } from './node-session.ts';

const socket = {
  bufferedAmount: 0,
  send: () => undefined,
  close: () => undefined,
  terminate: () => undefined,
};

describe('NodeSession upstream queue', () => {
  it('refuses messages beyond the bound while earlier ones are not handled, and takes them again after', async () => {
    const session = new NodeSession(
      socket as unknown as WebSocket,
      { nodeName: 'edge-1', projectId: 'p', edgecoreVersion: 'v1.21.0', remoteAddress: '127.0.0.1' },
      0,
      testLogger(),
      1024,
    );
    let release = (): void => undefined;
    const stuck = new Promise<void>((r) => (release = r));
    const handled: number[] = [];
    const accepted = [1, 2, 3, 4].map((n) =>
      session.tryEnqueue(async () => {
        await stuck;
        handled.push(n);
      }, 3),
    );
    expect(accepted).toEqual([true, true, true, false]);
    release();
    await session.drained();
    expect(handled).toEqual([1, 2, 3]);
    expect(session.tryEnqueue(async () => void handled.push(5), 3)).toBe(true);
    await session.drained();
    expect(handled).toEqual([1, 2, 3, 5]);
  });
});
