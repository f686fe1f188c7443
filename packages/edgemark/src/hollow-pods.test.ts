import { Operations, PodStatusSchema, WireGroups, newMessage, type Message } from '@kedge/api';
import { describe, expect, it } from 'vitest';
import { HollowPods, hollowPodIP, objectAck } from './hollow-pods.ts';

const NOW = Date.parse('2026-12-03T07:00:00Z');

function podMessage(operation: string, extra: Record<string, unknown> = {}, uid = 'uid-1'): Message {
  return newMessage({
    source: 'edgecontroller',
    group: WireGroups.resource,
    operation,
    resource: 'shop/pod/cart-0',
    resourceVersion: '7',
    content: {
      metadata: { name: 'cart-0', namespace: 'shop', uid, resourceVersion: '7', ...extra },
      spec: {
        nodeName: 'hollow-3',
        containers: [
          { name: 'app', image: 'cart:1' },
          { name: 'sidecar', image: 'proxy:2' },
        ],
      },
    },
  });
}

describe('hollow edged (HollowPods)', () => {
  it('acks objects with ObjectAckContent: applied with the version, deleted with none', () => {
    expect(objectAck(podMessage(Operations.insert))).toEqual({
      status: 'OK',
      objectUID: 'uid-1',
      objectResourceVersion: '7',
      outcome: 'applied',
    });
    expect(objectAck(podMessage(Operations.delete))).toMatchObject({
      objectUID: 'uid-1',
      objectResourceVersion: '',
      outcome: 'deleted',
    });
  });

  it('reports a new pod Running and Ready once, in the shape edged sends', () => {
    const pods = new HollowPods(3, '10.0.0.3');
    const out = pods.onObject(podMessage(Operations.insert), NOW);
    expect(out?.state).toBe('running');
    const msg = out!.report;
    expect(msg.route).toEqual({
      source: 'edged',
      group: 'resource',
      operation: 'update',
      resource: 'shop/podstatus/cart-0',
    });
    expect(msg.header.sync).toBe(true);
    const content = msg.content as { UID: string; Name: string; Status: unknown };
    expect(content.UID).toBe('uid-1');
    expect(content.Name).toBe('cart-0');
    const status = PodStatusSchema.parse(content.Status);
    expect(status.phase).toBe('Running');
    expect(status.conditions?.map((c) => [c.type, c.status])).toEqual([
      ['Initialized', 'True'],
      ['Ready', 'True'],
      ['ContainersReady', 'True'],
      ['PodScheduled', 'True'],
    ]);
    expect(status.hostIP).toBe('10.0.0.3');
    expect(status.podIP).toBe(hollowPodIP(3, 0));
    expect(status.startTime).toBe('2026-12-03T07:00:00Z');
    expect(status.containerStatuses?.map((c) => [c.name, c.image, c.ready, c.restartCount])).toEqual([
      ['app', 'cart:1', true, 0],
      ['sidecar', 'proxy:2', true, 0],
    ]);
    expect(status.containerStatuses?.[0]?.state?.running?.startedAt).toBe('2026-12-03T07:00:00Z');
    // The same pod again (an update, or a re-send): nothing new to report.
    expect(pods.onObject(podMessage(Operations.update), NOW + 1000)).toBeUndefined();
    expect(pods.size).toBe(1);
  });

  it('reports a pod marked for deletion with every container terminated, then forgets it on delete', () => {
    const pods = new HollowPods(0, '10.0.0.0');
    pods.onObject(podMessage(Operations.insert), NOW);
    const out = pods.onObject(
      podMessage(Operations.update, { deletionTimestamp: '2026-12-03T07:00:05Z' }),
      NOW + 5000,
    );
    expect(out?.state).toBe('terminated');
    const status = PodStatusSchema.parse((out!.report.content as { Status: unknown }).Status);
    expect(status.containerStatuses?.every((c) => c.state?.terminated?.exitCode === 0)).toBe(true);
    expect(status.conditions?.find((c) => c.type === 'Ready')?.status).toBe('False');
    // Stopped stays stopped: a late update without the mark starts nothing.
    expect(pods.onObject(podMessage(Operations.update), NOW + 6000)).toBeUndefined();
    expect(pods.onObject(podMessage(Operations.delete), NOW + 7000)).toBeUndefined();
    expect(pods.size).toBe(0);
  });

  it('a new incarnation under the same name (new UID) is started and reported', () => {
    const pods = new HollowPods(0, '10.0.0.0');
    pods.onObject(podMessage(Operations.insert), NOW);
    const again = pods.onObject(podMessage(Operations.insert, {}, 'uid-2'), NOW);
    expect((again?.report.content as { UID: string }).UID).toBe('uid-2');
    expect(pods.size).toBe(2);
  });

  it('ignores objects that are not pods', () => {
    const pods = new HollowPods(0, '10.0.0.0');
    const cm = newMessage({
      source: 'edgecontroller',
      group: WireGroups.resource,
      operation: Operations.insert,
      resource: 'shop/configmap/settings',
      content: { metadata: { name: 'settings', uid: 'u' } },
    });
    expect(pods.onObject(cm, NOW)).toBeUndefined();
  });

  it('pod IPs are distinct within a node and between nodes', () => {
    const ips = new Set<string>();
    for (let node = 0; node < 50; node++) for (let i = 0; i < 10; i++) ips.add(hollowPodIP(node, i));
    expect(ips.size).toBe(500);
    expect(hollowPodIP(0, 0)).toBe('100.64.0.0');
  });
});
