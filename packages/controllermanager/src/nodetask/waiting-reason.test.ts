import { describe, expect, it } from 'vitest';
import type { Node, TaskStatus } from '@kedge/api';
import { withWaitingReasons } from './waiting-reason.ts';

const node = (name: string, ready: 'True' | 'False' | 'Unknown'): Node => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name },
  status: {
    conditions: [
      {
        type: 'Ready',
        status: ready,
        lastTransitionTime: '2026-12-03T02:00:00Z',
        ...(ready === 'True' ? {} : { reason: 'EdgeDisconnected', message: 'connection closed by peer' }),
      },
    ],
  },
});
const lookup = (nodes: Node[]) => ({
  get: (name: string) => nodes.find((n) => n.metadata.name === name),
  list: () => nodes,
});

describe('withWaitingReasons', () => {
  const status: TaskStatus = {
    phase: 'InProgress',
    nodeStatus: [
      { nodeName: 'up', phase: 'Pending' },
      { nodeName: 'down', phase: 'Pending' },
      { nodeName: 'gone', phase: 'Pending' },
      { nodeName: 'busy', phase: 'InProgress' },
      {
        nodeName: 'stopped',
        phase: 'Pending',
        reason: 'not started: rollout stopped after 1 of 4 nodes failed',
      },
    ],
  };

  it('says why a Pending entry waits when its node is NotReady or gone, and what starts it', () => {
    const out = withWaitingReasons(
      status,
      lookup([node('up', 'True'), node('down', 'False'), node('stopped', 'False')]),
    );
    expect(out.nodeStatus?.map((e) => e.reason)).toEqual([
      undefined,
      'waiting for node down: NotReady since 2026-12-03T02:00:00Z (EdgeDisconnected: connection closed by peer); the task starts when it is Ready and connected',
      'waiting for node gone: it is not registered (deleted?); the task starts if it joins again',
      undefined,
      'not started: rollout stopped after 1 of 4 nodes failed',
    ]);
  });

  it('drops the reason from an entry a cloudcore claimed once its node came back', () => {
    const waiting = withWaitingReasons(status, lookup([node('down', 'False')]));
    const claimed = {
      ...waiting,
      nodeStatus: waiting.nodeStatus?.map((e) =>
        e.nodeName === 'down' ? { ...e, phase: 'InProgress' as const } : e,
      ),
    };
    const out = withWaitingReasons(claimed, lookup([node('down', 'False')]));
    expect(out.nodeStatus?.find((e) => e.nodeName === 'down')).toEqual({
      nodeName: 'down',
      phase: 'InProgress',
    });
  });

  it('drops the reason once the node is Ready, and returns the same status when nothing changes', () => {
    const waiting = withWaitingReasons(status, lookup([node('down', 'False')]));
    const back = withWaitingReasons(
      waiting,
      lookup([node('up', 'True'), node('down', 'True'), node('gone', 'True')]),
    );
    expect(back.nodeStatus?.slice(0, 3).map((e) => e.reason)).toEqual([undefined, undefined, undefined]);
    expect(
      withWaitingReasons(back, lookup([node('up', 'True'), node('down', 'True'), node('gone', 'True')])),
    ).toBe(back);
  });
});
