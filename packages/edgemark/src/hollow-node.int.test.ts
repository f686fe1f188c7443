// Hollow nodes on real sockets against a scripted cloud: the frames they
// send, acks, task reports kept until acknowledged, backoff, ramp, spread.
import {
  ObjectAckContentSchema,
  Operations,
  PodStatusSchema,
  WireGroups,
  newMessage,
  nodeTaskResource,
  type Message,
} from '@kedge/api';
import { nodeToken } from '@kedge/tokens';
import { createLogger } from '@kedge/runtime';
import { waitFor } from '@kedge/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { HollowFleet } from './hollow-fleet.ts';
import type { HollowFleetOptions } from './fleet-options.ts';
import { ScriptedCloud } from '../test/scripted-cloud.ts';

const SECRET = 'hollow-node-test-secret-0123456789';

describe('hollow node protocol', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function setup(
    cloudOptions: Parameters<typeof ScriptedCloud.start>[0] = {},
    fleetOptions: Partial<HollowFleetOptions> = {},
  ): Promise<{ cloud: ScriptedCloud; fleet: HollowFleet }> {
    const cloud = await ScriptedCloud.start(cloudOptions);
    cleanups.push(() => cloud.close());
    const fleet = new HollowFleet({
      server: cloud.address,
      secret: SECRET,
      nodes: 1,
      heartbeatMs: 1000,
      reconnectInitialMs: 100,
      reconnectMaxMs: 400,
      // Warnings (a rejected report, a refused registration) are expected here.
      log: createLogger({ name: 'edgemark-test', level: 'silent' }),
      ...fleetOptions,
    });
    cleanups.push(() => fleet.stop());
    fleet.start();
    return { cloud, fleet };
  }

  it('connects with the node headers and registers as edgecore does', async () => {
    const { cloud, fleet } = await setup({}, { labels: { site: 'north' } });
    await waitFor(() => fleet.stats().registered === 1, { what: 'registered' });
    const { headers } = cloud.handshakes[0]!;
    expect(headers).toMatchObject({
      node_id: 'hollow-0',
      project_id: 'e632aba927ea4ac2b575ec1603d56f10',
      authorization: `Bearer ${nodeToken(SECRET, 'hollow-0')}`,
      'x-kedge-edgecore-version': 'v1.21.0-hollow',
    });
    const [register] = cloud.from('hollow-0');
    expect(register?.route).toMatchObject({
      group: 'resource',
      operation: 'insert',
      resource: 'null/node/hollow-0',
    });
    expect(register?.header.sync).toBe(true);
    expect(register?.content).toMatchObject({
      edgecoreVersion: 'v1.21.0-hollow',
      labels: { site: 'north', 'node.kubernetes.io/edgemark-hollow': 'true' },
    });
    await waitFor(() => cloud.from('hollow-0', 'keepalive').length >= 2, { what: 'two keepalives' });
    expect(cloud.from('hollow-0', 'keepalive')[0]).toMatchObject({
      route: { source: 'websocket', group: 'resource', operation: 'keepalive', resource: 'node' },
      content: 'ping',
    });
  });

  it('acknowledges a cloud resource message with a response', async () => {
    const { cloud, fleet } = await setup();
    await waitFor(() => fleet.stats().registered === 1, { what: 'registered' });
    const configMap = newMessage({
      source: 'edgecontroller',
      group: WireGroups.resource,
      operation: Operations.insert,
      resource: 'default/configmap/app-config',
      content: { metadata: { name: 'app-config' } },
    });
    cloud.send('hollow-0', configMap);
    const ack = await waitFor(() => cloud.from('hollow-0', 'response')[0], { what: 'ack' });
    expect(ack.header.parent_msg_id).toBe(configMap.header.msg_id);
    expect(ack.route).toMatchObject({ source: 'metamanager', resource: 'default/configmap/app-config' });
    // ObjectAckContent, as edgecore's metaManager answers (object sync records the version from it).
    expect(ObjectAckContentSchema.parse(ack.content)).toEqual({
      status: 'OK',
      objectUID: '',
      objectResourceVersion: '',
      outcome: 'applied',
    });
    expect(fleet.stats().resourceAcks).toBe(1);
  });

  it('with instantPods, acks a pod and reports it Running once, as edged does, until the cloud acks', async () => {
    const { cloud, fleet } = await setup({}, { instantPods: true, resendAfterMs: 500 });
    await waitFor(() => fleet.stats().registered === 1, { what: 'registered' });
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web-1', namespace: 'default', uid: 'uid-web-1', resourceVersion: '42' },
      spec: { nodeName: 'hollow-0', containers: [{ name: 'app', image: 'nginx:1' }] },
    };
    const insert = newMessage({
      source: 'edgecontroller',
      group: WireGroups.resource,
      operation: Operations.insert,
      resource: 'default/pod/web-1',
      resourceVersion: '42',
      content: pod,
    });
    cloud.send('hollow-0', insert);
    const ack = await waitFor(() => cloud.from('hollow-0', 'response')[0], { what: 'ack' });
    expect(ack.header.parent_msg_id).toBe(insert.header.msg_id);
    expect(ack.content).toEqual({
      status: 'OK',
      objectUID: 'uid-web-1',
      objectResourceVersion: '42',
      outcome: 'applied',
    });
    // Not acked by the cloud: the same report comes again after resendAfterMs.
    await waitFor(() => cloud.from('hollow-0', 'update').length >= 2, { what: 'status sent twice' });
    const [first, again] = cloud.from('hollow-0', 'update');
    expect(again?.header.msg_id).toBe(first?.header.msg_id);
    expect(first?.route).toMatchObject({
      source: 'edged',
      group: 'resource',
      resource: 'default/podstatus/web-1',
    });
    expect(first?.header.sync).toBe(true);
    const content = first?.content as { UID: string; Name: string; Status: unknown };
    expect(content).toMatchObject({ UID: 'uid-web-1', Name: 'web-1' });
    const status = PodStatusSchema.parse(content.Status);
    expect(status.phase).toBe('Running');
    expect(status.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
    expect(status.containerStatuses?.[0]).toMatchObject({ name: 'app', ready: true, state: { running: {} } });
    expect(status.hostIP).toBe('10.0.0.0');
    cloud.send(
      'hollow-0',
      newMessage({
        source: 'cloudhub',
        group: 'resource',
        operation: 'response',
        resource: first!.route.resource,
        parentId: first!.header.msg_id,
        content: 'OK',
      }),
    );
    await waitFor(() => fleet.stats().reportsAcked === 1, { what: 'report acked' });
    // The same pod again (object sync re-sends after a lost ack): acked, no second status.
    cloud.send('hollow-0', { ...insert, header: { ...insert.header, msg_id: 'resend-1' } });
    await waitFor(() => cloud.from('hollow-0', 'response').length === 2, { what: 'second ack' });
    await new Promise((r) => setTimeout(r, 700));
    expect(new Set(cloud.from('hollow-0', 'update').map((m) => m.header.msg_id)).size).toBe(1);
    expect(fleet.stats()).toMatchObject({ podsStarted: 1, reportsPending: 0 });
  });

  it('sends what onTask returns as sync reports, again after a reconnect, until the cloud acks', async () => {
    const resource = nodeTaskResource('nodeupgradejob', 'upgrade-1', 'hollow-0');
    const { cloud, fleet } = await setup(
      {},
      {
        resendAfterMs: 60_000, // only the reconnect may cause a resend in this test
        onTask: (node, task) => [
          newMessage({
            source: 'websocket',
            group: WireGroups.hub,
            operation: Operations.updateNodeActionStatus,
            resource: task.route.resource,
            content: { action: task.route.operation, succ: true, reason: `done by ${node.name}`, extend: '' },
          }),
        ],
      },
    );
    await waitFor(() => fleet.stats().registered === 1, { what: 'registered' });
    cloud.send(
      'hollow-0',
      newMessage({
        source: 'taskmanager',
        group: WireGroups.taskManager,
        operation: 'Check',
        resource,
        content: {},
      }),
    );
    const reports = (): Message[] => cloud.from('hollow-0', Operations.updateNodeActionStatus);
    const first = await waitFor(() => reports()[0], { what: 'report' });
    expect(first.header.sync).toBe(true);
    expect(first.content).toMatchObject({ action: 'Check', succ: true, reason: 'done by hollow-0' });
    expect(fleet.stats().reportsPending).toBe(1);

    // The cloud drops the connection before acking: the report goes out again, same msg_id.
    cloud.drop('hollow-0');
    await waitFor(() => reports().length === 2, { what: 'report resent after reconnect', timeoutMs: 5000 });
    expect(reports()[1]!.header.msg_id).toBe(first.header.msg_id);
    expect(cloud.from('hollow-0', 'insert')).toHaveLength(2); // registered twice

    cloud.send('hollow-0', newAck(first));
    await waitFor(() => fleet.stats().reportsPending === 0, { what: 'report settled' });
    expect(fleet.stats()).toMatchObject({
      tasksReceived: 1,
      reportsAcked: 1,
      reportsPending: 0,
      reconnects: 1,
    });
  });

  it('resends a report the cloud could not store yet, and drops one it rejects for good', async () => {
    let task = 0;
    const { cloud, fleet } = await setup(
      {},
      {
        heartbeatMs: 200,
        resendAfterMs: 300,
        onTask: (_node, msg) => [
          newMessage({
            source: 'websocket',
            group: WireGroups.hub,
            operation: Operations.updateNodeActionStatus,
            resource: msg.route.resource,
            content: { n: ++task },
          }),
        ],
      },
    );
    await waitFor(() => fleet.stats().registered === 1, { what: 'registered' });
    const resource = nodeTaskResource('imageprepulljob', 'pull-1', 'hollow-0');
    cloud.send(
      'hollow-0',
      newMessage({ source: 'taskmanager', group: 'taskmanager', operation: 'Check', resource }),
    );
    const report = await waitFor(() => cloud.from('hollow-0', Operations.updateNodeActionStatus)[0], {
      what: 'report',
    });

    cloud.send('hollow-0', errorReply(report, true));
    await waitFor(() => cloud.from('hollow-0', Operations.updateNodeActionStatus).length >= 2, {
      what: 'resend after a retryable error',
    });
    expect(fleet.stats().reportsPending).toBe(1);

    cloud.send('hollow-0', errorReply(report, false));
    await waitFor(() => fleet.stats().reportsPending === 0, { what: 'rejected report dropped' });
    expect(fleet.stats().reportsRejected).toBe(1);
    const sent = cloud.from('hollow-0', Operations.updateNodeActionStatus).length;
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(cloud.from('hollow-0', Operations.updateNodeActionStatus)).toHaveLength(sent);
  });

  it('backs off between refused connections instead of hammering the cloud', async () => {
    const { fleet } = await setup({ refuseWith: 4401 }, { reconnectInitialMs: 100, reconnectMaxMs: 400 });
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const stats = fleet.stats();
    // 0, ~100, ~200, ~400, then every ~280-400 ms: about 6-8 dials in 2 s, never dozens.
    expect(stats.dials).toBeGreaterThanOrEqual(4);
    expect(stats.dials).toBeLessThanOrEqual(10);
    expect(stats.closes['4401']).toBeGreaterThanOrEqual(stats.dials - 1);
    expect(stats.registered).toBe(0);
  });

  it('keeps at most K handshakes in flight while a fleet comes up', async () => {
    const { cloud, fleet } = await setup({ registerDelayMs: 50 }, { nodes: 60, rampConcurrency: 5 });
    await waitFor(() => fleet.stats().registered === 60, { what: '60 registered', timeoutMs: 15_000 });
    expect(cloud.maxPendingRegisters).toBeLessThanOrEqual(5);
    expect(cloud.maxPendingRegisters).toBeGreaterThanOrEqual(4);
    expect(fleet.stats().dials).toBe(60);
  });

  it('spreads the keepalives of 200 nodes over the heartbeat', async () => {
    const { cloud, fleet } = await setup({}, { nodes: 200, heartbeatMs: 1000 });
    await waitFor(() => fleet.stats().registered === 200, { what: '200 registered' });
    const from = Date.now() + 200;
    await new Promise((resolve) => setTimeout(resolve, 2300));
    const times = cloud.received
      .filter((r) => r.msg.route.operation === 'keepalive' && r.at >= from && r.at < from + 2000)
      .map((r) => r.at);
    expect(times.length).toBeGreaterThanOrEqual(380); // 200 nodes x 2 beats, give or take the edges
    const perMs = new Map<number, number>();
    for (const t of times) perMs.set(t, (perMs.get(t) ?? 0) + 1);
    // Had they fired together, one ms would see 200; spread, a ms sees a handful.
    expect(Math.max(...perMs.values())).toBeLessThanOrEqual(20);
    const per50ms = new Set(times.map((t) => Math.floor((t - from) / 50)));
    expect(per50ms.size).toBeGreaterThanOrEqual(30); // of the 40 windows of 50 ms in 2 s
  });
});

function newAck(report: Message): Message {
  return newMessage({
    source: 'cloudhub',
    group: report.route.group,
    operation: Operations.response,
    resource: report.route.resource,
    parentId: report.header.msg_id,
    content: 'OK',
  });
}

function errorReply(report: Message, retryable: boolean): Message {
  return newMessage({
    source: 'cloudhub',
    group: report.route.group,
    operation: Operations.error,
    resource: report.route.resource,
    parentId: report.header.msg_id,
    content: {
      code: retryable ? 'KEDGE_STORE_UNAVAILABLE' : 'KEDGE_TASK_INVALID',
      message: 'test',
      retryable,
    },
  });
}
