import {
  ActionReportSchema,
  CloudModules,
  NodeTaskOperations,
  WireGroups,
  newMessage,
  nodeTaskResource,
  type ActionReport,
  type Message,
} from '@kedge/api';
import { describe, expect, it } from 'vitest';
import { HollowFleet } from './hollow-fleet.ts';
import { instantConfigUpdate, instantUpgrade } from './instant-tasks.ts';

const fleet = new HollowFleet({ server: '127.0.0.1:1', secret: 's', nodes: 2, edgecoreVersion: 'v1.21.0' });
const [node, other] = fleet.nodes as [(typeof fleet.nodes)[0], (typeof fleet.nodes)[0]];
const T0 = Date.parse('2026-03-01T10:00:00Z');

function task(type: string, operation: string, content: unknown, nodeName = node.name): Message {
  return newMessage({
    source: CloudModules.taskManager,
    group: WireGroups.taskManager,
    operation,
    resource: nodeTaskResource(type, 'job-a', nodeName),
    content,
  });
}

function contents(msgs: Message[]): ActionReport[] {
  return msgs.map((m) => {
    expect(m.route).toMatchObject({
      source: 'taskmanager',
      group: 'taskmanager',
      operation: 'UpdateNodeActionStatus',
    });
    expect(m.route.resource).toMatch(/^operations\.kubeedge\.io\/v1alpha2\/\w+\/job-a\/node\/hollow-0$/);
    expect(m.header.sync).toBe(true);
    return ActionReportSchema.parse(m.content);
  });
}

describe('instantUpgrade', () => {
  it('reports the whole successful upgrade flow at once, with the versions in extend', async () => {
    const handler = instantUpgrade({ now: () => T0 });
    const out = await handler(
      node,
      task('nodeupgradejob', 'Check', { jobUid: 'u1', spec: { version: 'v1.22.0' } }),
    );
    expect(contents(out)).toEqual([
      {
        action: 'Check',
        succ: true,
        finishTime: '2026-03-01T10:00:00Z',
        reason: '',
        extend: '',
        jobUid: 'u1',
      },
      {
        action: 'WaitingConfirmation',
        succ: true,
        finishTime: '2026-03-01T10:00:00Z',
        reason: '',
        extend: '',
        jobUid: 'u1',
      },
      {
        action: 'Backup',
        succ: true,
        finishTime: '2026-03-01T10:00:00Z',
        reason: '',
        extend: ',v1.21.0',
        jobUid: 'u1',
      },
      {
        action: 'Upgrade',
        succ: true,
        finishTime: '2026-03-01T10:00:00Z',
        reason: '',
        extend: 'v1.21.0,v1.22.0',
        jobUid: 'u1',
      },
    ]);
  });

  it('re-reports the same results for a task sent again, and runs a new job incarnation afresh', async () => {
    let now = T0;
    const handler = instantUpgrade({ now: () => now });
    const first = contents(
      await handler(node, task('nodeupgradejob', 'Check', { jobUid: 'u1', spec: { version: 'v1.22.0' } })),
    );
    now += 60_000;
    const again = contents(
      await handler(node, task('nodeupgradejob', 'Check', { jobUid: 'u1', spec: { version: 'v1.22.0' } })),
    );
    expect(again).toEqual(first);
    const renewed = contents(
      await handler(node, task('nodeupgradejob', 'Check', { jobUid: 'u2', spec: { version: 'v1.22.0' } })),
    );
    expect(renewed.map((r) => [r.jobUid, r.finishTime])).toEqual(
      Array.from({ length: 4 }, () => ['u2', '2026-03-01T10:01:00Z']),
    );
    // Another node's memory is its own.
    const theirs = await handler(
      other,
      task('nodeupgradejob', 'Check', { jobUid: 'u1', spec: { version: 'v1.22.0' } }, other.name),
    );
    expect(theirs).toHaveLength(4);
  });

  it('with requireConfirmation reports Check, then the rest once the cloud confirms', async () => {
    let now = T0;
    const handler = instantUpgrade({ now: () => now });
    const spec = { version: 'v1.22.0', requireConfirmation: true };
    const checked = contents(await handler(node, task('nodeupgradejob', 'Check', { jobUid: 'u1', spec })));
    expect(checked.map((r) => r.action)).toEqual(['Check']);
    now += 5_000;
    const confirmed = contents(
      await handler(node, task('nodeupgradejob', NodeTaskOperations.confirm, { jobUid: 'u1' })),
    );
    expect(confirmed.map((r) => [r.action, r.finishTime])).toEqual([
      ['WaitingConfirmation', '2026-03-01T10:00:05Z'],
      ['Backup', '2026-03-01T10:00:05Z'],
      ['Upgrade', '2026-03-01T10:00:05Z'],
    ]);
    expect(await handler(node, task('nodeupgradejob', NodeTaskOperations.confirm, { jobUid: 'u1' }))).toEqual(
      [],
    );
    // Sent again later: the whole flow, as the edge re-reports what it recorded.
    const resent = contents(await handler(node, task('nodeupgradejob', 'Check', { jobUid: 'u1', spec })));
    expect(resent.map((r) => r.action)).toEqual(['Check', 'WaitingConfirmation', 'Backup', 'Upgrade']);
  });

  it('refuses a task of another type or a malformed request, naming the field', async () => {
    const handler = instantUpgrade();
    expect(() => handler(node, task('configupdatejob', 'Check', { jobUid: 'u1', spec: {} }))).toThrow(
      /is not a nodeupgradejob task of this node/,
    );
    expect(() => handler(node, task('nodeupgradejob', 'Check', { spec: {} }))).toThrow(/content\.jobUid/);
  });
});

describe('instantConfigUpdate', () => {
  it('reports Check, Backup, ConfigUpdate, all True', async () => {
    const handler = instantConfigUpdate({ now: () => T0 });
    const out = await handler(
      node,
      task('configupdatejob', 'Check', { jobUid: 'c1', spec: { updateFields: { 'a.b': 'true' } } }),
    );
    expect(contents(out).map((r) => [r.action, r.succ, r.extend, r.jobUid])).toEqual([
      ['Check', true, '', 'c1'],
      ['Backup', true, '', 'c1'],
      ['ConfigUpdate', true, '', 'c1'],
    ]);
  });
});
