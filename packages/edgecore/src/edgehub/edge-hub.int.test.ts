// EdgeHub and the outbox with a real WebSocket "cloud" on 127.0.0.1: a report
// enters the outbox once (counted by a trigger on the table, not by spying on
// our code), the caller's message is left alone, and every send is counted in
// the row's attempts, a resend after a reconnect included. A cloud that will
// not open the tunnel is reported with a code an operator can look up.
import { createServer } from 'node:http';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { EdgeModules, Operations, WireGroups, newMessage, replyTo, type Message } from '@kedge/api';
import { Bus } from '@kedge/beehive';
import { createLogger, systemClock } from '@kedge/runtime';
import { tempDir, waitFor, type TempDir } from '@kedge/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { openEdgeDatabase, Outbox, type EdgeDatabase } from '../database/index.ts';
import { EdgeReporter } from '../reporting/edge-reporter.ts';
import { TaskStore } from '../taskmanager/task-store.ts';
import { testEdgeHubOptions } from '../../test/edge-hub-options.ts';
import { EdgeHub } from './edge-hub.ts';

/** A cloud that accepts registration, records what arrives and acks nothing unless asked. */
class RecordingCloud {
  readonly received: Message[] = [];
  readonly sockets: WebSocket[] = [];
  readonly server = new WebSocketServer({ host: '127.0.0.1', port: 0 });

  constructor() {
    this.server.on('connection', (ws) => {
      this.sockets.push(ws);
      ws.on('message', (data) => {
        const msg = JSON.parse((data as Buffer).toString('utf8')) as Message;
        if (msg.route.operation === Operations.insert && msg.route.resource.includes('/node/')) {
          ws.send(JSON.stringify(replyTo(msg, 'cloudhub', 'OK')));
          return;
        }
        if (msg.route.operation !== Operations.keepalive) this.received.push(msg);
      });
    });
  }

  async address(): Promise<string> {
    if (!this.server.address()) await new Promise((resolve) => this.server.once('listening', resolve));
    return `127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  copiesOf(msgId: string): number {
    return this.received.filter((m) => m.header.msg_id === msgId).length;
  }

  /** Drops every open connection, as a cloudcore restart would. */
  dropConnections(): void {
    for (const ws of this.sockets.splice(0)) ws.terminate();
  }

  ack(msg: Message): void {
    const reply = replyTo(msg, 'cloudhub', null);
    for (const ws of this.sockets) ws.send(JSON.stringify(reply));
  }

  async close(): Promise<void> {
    this.dropConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

function event(name: string): Message {
  return newMessage({
    source: 'edged',
    group: WireGroups.resource,
    operation: Operations.insert,
    resource: `default/event/${name}`,
    content: { metadata: { name }, reason: 'Pulled' },
  });
}

describe('EdgeHub and the outbox', () => {
  let dir: TempDir;
  let edb: EdgeDatabase;
  let outbox: Outbox;
  let cloud: RecordingCloud;
  let bus: Bus;
  let hub: EdgeHub;
  let reporter: EdgeReporter;

  /** Every INSERT statement on the outbox, also one that ON CONFLICT turns into nothing. */
  const insertsIntoOutbox = (): number =>
    (edb.db.prepare('SELECT n FROM test_outbox_inserts').get() as { n: number }).n;

  beforeEach(async () => {
    dir = await tempDir('kedge-edgehub-');
    edb = openEdgeDatabase(join(dir.path, 'edgecore.db'));
    edb.db.exec(`
      CREATE TABLE test_outbox_inserts (n INTEGER NOT NULL);
      INSERT INTO test_outbox_inserts VALUES (0);
      CREATE TRIGGER test_count_outbox_inserts BEFORE INSERT ON outbox
      BEGIN UPDATE test_outbox_inserts SET n = n + 1; END;
    `);
    outbox = new Outbox({ db: edb.db });
    cloud = new RecordingCloud();
    bus = new Bus({
      log: createLogger({ name: 'edgehub-test', level: process.env['KEDGE_LOG_LEVEL'] ?? 'silent' }),
      clock: systemClock,
    });
    hub = new EdgeHub(
      testEdgeHubOptions(await cloud.address(), outbox, {
        resendAfterMs: 600_000, // only a reconnect sends a report again in these tests
      }),
    );
    bus.register(hub);
    reporter = new EdgeReporter(outbox, bus);
    await bus.start();
    await waitFor(() => hub.state === 'connected', { what: 'EdgeHub registered' });
  });

  afterEach(async () => {
    await bus.stop();
    await cloud.close();
    edb.close();
    await dir.cleanup();
  });

  it("writes a report into the outbox once and leaves the caller's message unchanged", async () => {
    const msg = event('e1');
    const before = structuredClone(msg);
    await reporter.report(msg);
    await waitFor(() => cloud.copiesOf(msg.header.msg_id) === 1, { what: 'the report at the cloud' });

    expect(insertsIntoOutbox()).toBe(1);
    expect(msg).toEqual(before);
    expect(cloud.received.find((m) => m.header.msg_id === msg.header.msg_id)?.header.sync).toBe(true);
  });

  it('writes a finished action report into the outbox once, with the task result', async () => {
    const store = new TaskStore({ db: edb.db, reports: reporter, clock: systemClock });
    const key = 'nodeupgradejob/up1/edge-1';
    store.create({
      key,
      jobUid: 'uid-1',
      type: 'nodeupgradejob',
      job: 'up1',
      node: 'edge-1',
      spec: {},
      firstAction: 'Check',
    });
    const report = newMessage({
      source: EdgeModules.taskManager,
      group: WireGroups.taskManager,
      operation: 'UpdateNodeActionStatus',
      resource: key,
      content: { action: 'Check', succ: true },
    });
    const stored = store.finish(
      key,
      'uid-1',
      { action: 'Check', succ: true, reason: '', extend: '', finishTime: '2030-01-01T00:00:00Z' },
      undefined,
      report,
    );
    await reporter.send(stored);
    await waitFor(() => cloud.copiesOf(report.header.msg_id) === 1, {
      what: 'the action report at the cloud',
    });

    expect(insertsIntoOutbox()).toBe(1);
    expect(report.header.sync).toBeUndefined();
    expect(store.results(key)[0]?.message.header.sync).toBe(true);
  });

  it('counts every send in attempts, the resend after a reconnect included, until the cloud acks', async () => {
    const msg = event('e2');
    await reporter.report(msg);
    await waitFor(() => cloud.copiesOf(msg.header.msg_id) === 1, { what: 'the first send' });
    expect(outbox.entries(10).map((e) => e.attempts)).toEqual([1]);

    cloud.dropConnections();
    await waitFor(() => cloud.copiesOf(msg.header.msg_id) === 2, { what: 'the resend after reconnecting' });
    expect(outbox.entries(10).map((e) => e.attempts)).toEqual([2]);
    expect(outbox.stats()).toEqual({ pending: 1, maxAttempts: 2 });

    cloud.ack(msg);
    await waitFor(() => outbox.size() === 0, { what: 'the ack to empty the outbox' });
    expect(insertsIntoOutbox()).toBe(1);
  });
});

describe('EdgeHub against a cloud that will not open the tunnel', () => {
  it('logs each failed attempt with KEDGE_HUB_CONNECT_FAILED and what the cloud answered', async () => {
    await using dir = await tempDir('kedge-edgehub-refused-');
    const edb = openEdgeDatabase(join(dir.path, 'edgecore.db'));
    const refusing = createServer((_req, res) => {
      res.writeHead(401, { 'content-type': 'text/plain' });
      res.end('no');
    });
    await new Promise<void>((resolve) => refusing.listen(0, '127.0.0.1', resolve));
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const line of chunk.toString('utf8').split('\n').filter(Boolean))
          lines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    const bus = new Bus({
      log: createLogger({ name: 'edgehub-test', level: 'info', destination: sink }),
      clock: systemClock,
    });
    const server = `127.0.0.1:${(refusing.address() as AddressInfo).port}`;
    bus.register(
      new EdgeHub(testEdgeHubOptions(server, new Outbox({ db: edb.db }), { token: 'wrong-token' })),
    );
    try {
      await bus.start();
      const failed = await waitFor(() => lines.find((l) => l['msg'] === 'cloud session failed'), {
        what: 'a failed session in the log',
      });
      expect(failed).toMatchObject({
        code: 'KEDGE_HUB_CONNECT_FAILED',
        server,
        err: `${server}: cloud answered HTTP 401 instead of opening the tunnel`,
      });
    } finally {
      await bus.stop();
      await new Promise((resolve) => refusing.close(resolve));
      edb.close();
    }
  });
});
