// The spine, end to end: one cloudcore and three edgecore processes on
// loopback with a real SQLite store.
import { nodeReadyCondition, newMessage, nodeTaskResource, type Node } from '@kedge/api';
import { tempDir, waitFor, type TempDir } from '@kedge/testing';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalCloud, LocalEdge, type CloudCoreReplica } from '@kedge/localup';
import { RawEdgeClient } from '../support/raw-edge-client.ts';

const NODES = ['edge-1', 'edge-2', 'edge-3'];

describe('tunnel and node lifecycle', () => {
  let dir: TempDir;
  let cloud: LocalCloud;
  let cloudcore: CloudCoreReplica;
  const edges = new Map<string, LocalEdge>();

  const node = (name: string): Promise<Node | undefined> => cloud.store.get('Node', name);
  const ready = async (name: string): Promise<string | undefined> => {
    const n = await node(name);
    return n ? nodeReadyCondition(n)?.status : undefined;
  };
  const edge = (name: string): LocalEdge => {
    const e = edges.get(name);
    if (!e) throw new Error(`no edge ${name}`);
    return e;
  };

  beforeAll(async () => {
    dir = await tempDir('kedge-tunnel-');
    cloud = new LocalCloud({ dir: dir.path, keepaliveTimeout: 4, maxMessageBytes: 64 * 1024 });
    cloudcore = await cloud.addCloudCore();
    for (const name of NODES) {
      const e = await LocalEdge.create(dir.path, {
        name,
        server: cloudcore.address,
        token: cloud.token(name),
        labels: { 'topology.kubernetes.io/zone': name === 'edge-1' ? 'north' : 'south' },
      });
      edges.set(name, e);
    }
    await Promise.all([...edges.values()].map((e) => e.start()));
  });

  afterAll(async () => {
    await Promise.all([...edges.values()].map((e) => e.stop()));
    await cloud?.close();
    await dir?.cleanup();
  });

  it('registers every edge node as a Ready Node with its labels, version and owner', async () => {
    for (const name of NODES)
      await waitFor(async () => (await ready(name)) === 'True', { what: `${name} Ready` });
    const n = await node('edge-1');
    expect(n?.metadata.labels).toMatchObject({
      'node-role.kubernetes.io/edge': '',
      'node-role.kubernetes.io/agent': '',
      'topology.kubernetes.io/zone': 'north',
    });
    expect(n?.metadata.annotations?.cloudcore).toBe(cloudcore.id);
    expect(n?.status?.nodeInfo?.kubeletVersion).toMatch(/^v\d+\.\d+\.\d+/);
  });

  it('marks a killed edgecore NotReady at once and Ready again after it restarts', async () => {
    await edge('edge-1').killHard();
    await waitFor(async () => (await ready('edge-1')) === 'False', {
      what: 'edge-1 NotReady',
      timeoutMs: 6000,
    });
    expect(nodeReadyCondition((await node('edge-1'))!)?.reason).toBe('EdgeDisconnected');
    await edge('edge-1').start();
    await waitFor(async () => (await ready('edge-1')) === 'True', { what: 'edge-1 Ready again' });
  });

  it('marks a frozen edgecore NotReady after the keepalive timeout, and Ready when it wakes up', async () => {
    const pid = edge('edge-3').process!.pid;
    process.kill(pid, 'SIGSTOP');
    try {
      const cond = await waitFor(
        async () => {
          const c = nodeReadyCondition((await node('edge-3'))!);
          return c?.status === 'False' ? c : undefined;
        },
        { what: 'edge-3 NotReady after keepalive timeout', timeoutMs: 12_000 },
      );
      expect(cond.reason).toBe('EdgeKeepaliveTimeout');
      expect(cond.message).toMatch(/no keepalive for \d+s/);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    await waitFor(async () => (await ready('edge-3')) === 'True', {
      what: 'edge-3 Ready after SIGCONT',
      timeoutMs: 15_000,
    });
  });

  it('survives kill -9 of cloudcore: every node reconnects and its Node object is intact', async () => {
    const before = new Map<string, string | undefined>();
    for (const name of NODES) before.set(name, (await node(name))?.metadata.uid);
    await cloudcore.killHard();
    await cloudcore.start();
    for (const name of NODES) {
      await waitFor(
        async () => {
          const n = await node(name);
          const c = n && nodeReadyCondition(n);
          return c?.status === 'True' && Date.parse(c.lastHeartbeatTime ?? '') > Date.now() - 5000;
        },
        { what: `${name} Ready after the cloudcore restart`, timeoutMs: 20_000 },
      );
      expect((await node(name))?.metadata.uid).toBe(before.get(name));
    }
  });

  it('delivers a report written while the cloud is down exactly once after it returns', async () => {
    await cloudcore.killHard();
    const name = `edge-2.offline-report-${Date.now()}`;
    const res = await fetch(`${edge('edge-2').metaServerUrl}/api/v1/namespaces/default/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        metadata: { name },
        reason: 'OfflineReport',
        message: 'written while the cloud was down',
      }),
    });
    expect(res.status).toBe(201);
    expect(await cloud.store.get('Event', name, 'default')).toBeUndefined();
    const outbox = new Database(edge('edge-2').dbPath, { readonly: true });
    try {
      const pending = (): number =>
        (outbox.prepare('SELECT count(*) AS n FROM outbox').get() as { n: number }).n;
      expect(pending()).toBeGreaterThan(0);
      await cloudcore.start();
      const event = await waitFor(() => cloud.store.get('Event', name, 'default'), {
        what: 'offline event stored',
      });
      expect(event.involvedObject).toMatchObject({ kind: 'Node', name: 'edge-2' });
      await waitFor(() => pending() === 0, { what: 'edge-2 outbox drained' });
    } finally {
      outbox.close();
    }
    const events = (await cloud.store.list('Event', { namespace: 'default' })).items.filter(
      (e) => e.reason === 'OfflineReport',
    );
    expect(events).toHaveLength(1);
  });

  it('refuses a node with a wrong credential and names it', async () => {
    const intruder = await LocalEdge.create(dir.path, {
      name: 'edge-intruder',
      server: cloudcore.address,
      token: cloud.token('edge-1'),
    });
    await intruder.start();
    try {
      await intruder.process!.waitForLine(
        /cloud refused the connection: node edge-intruder: wrong credential/,
      );
      await cloudcore.process!.waitForLine(/connection refused: node edge-intruder: wrong credential/);
      expect(await node('edge-intruder')).toBeUndefined();
    } finally {
      await intruder.stop();
    }
  });

  it('closes only the session that sent a malformed or oversize frame', async () => {
    const before = nodeReadyCondition((await node('edge-2'))!)?.lastTransitionTime;
    const bad = await RawEdgeClient.connect(cloudcore.address, 'edge-raw', cloud.token('edge-raw'));
    await bad.register('edge-raw');
    bad.send('{ this is not json');
    const closed = await bad.closed;
    expect(closed.code).toBe(4400);
    expect(closed.reason).toMatch(/not JSON/);
    expect(
      bad.received.some(
        (m) => m.route.operation === 'error' && JSON.stringify(m.content).includes('KEDGE_WIRE_MALFORMED'),
      ),
    ).toBe(true);

    const big = await RawEdgeClient.connect(cloudcore.address, 'edge-raw', cloud.token('edge-raw'));
    await big.register('edge-raw');
    big.send(JSON.stringify({ padding: 'x'.repeat(128 * 1024) }));
    expect((await big.closed).code).toBe(1009);

    for (const name of NODES) expect(await ready(name)).toBe('True');
    expect(nodeReadyCondition((await node('edge-2'))!)?.lastTransitionTime).toBe(before);
  });

  it('refuses a node that reports for another node, and keeps its session', async () => {
    const raw = await RawEdgeClient.connect(cloudcore.address, 'edge-raw', cloud.token('edge-raw'));
    await raw.register('edge-raw');
    const report = newMessage({
      source: 'edgehub',
      group: 'hub',
      operation: 'UpdateNodeActionStatus',
      resource: nodeTaskResource('nodeupgradejob', 'job-1', 'edge-1'),
      content: { action: 'Check', succ: true, finishTime: '', reason: '', extend: '' },
      sync: true,
    });
    raw.send(report);
    const reply = await raw.replyTo(report.header.msg_id);
    expect(reply.route.operation).toBe('error');
    expect(reply.content).toMatchObject({ code: 'KEDGE_WIRE_IMPERSONATION' });
    expect(JSON.stringify(reply.content)).toMatch(/edge-raw may not report for node edge-1/);

    const takeover = newMessage({
      source: 'edged',
      group: 'resource',
      operation: 'update',
      resource: 'null/node/edge-1',
      sync: true,
    });
    raw.send(takeover);
    expect((await raw.replyTo(takeover.header.msg_id)).content).toMatchObject({
      code: 'KEDGE_WIRE_IMPERSONATION',
    });
    await cloudcore.process!.waitForLine(/edge-raw may not report for node edge-1/);
    expect(raw.ws.readyState).toBe(raw.ws.OPEN);
    raw.close();
  });
});
