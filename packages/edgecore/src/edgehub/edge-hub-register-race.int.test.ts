// The cloud sends a node its objects right after the register reply, often in
// the same read. The node's answers to those objects (metamanager's acks) must
// go out: before the fix EdgeHub still counted itself "registering" while it
// handed the later frames to the modules, and dropped the first acks ("not
// connected; message dropped"), so the cloud waited for its ack timeout.
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import {
  EdgeGroups,
  EdgeModules,
  Operations,
  WireGroups,
  newMessage,
  replyTo,
  type Message,
} from '@kedge/api';
import { Bus, type Module, type ModuleContext } from '@kedge/beehive';
import { createLogger, systemClock } from '@kedge/runtime';
import { tempDir, waitFor, type TempDir } from '@kedge/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { openEdgeDatabase, Outbox, type EdgeDatabase } from '../database/index.ts';
import { testEdgeHubOptions } from '../../test/edge-hub-options.ts';
import { EdgeHub } from './edge-hub.ts';

const OBJECTS = 5;

/** Answers the register and, in the same turn, sends five object messages; records what comes back. */
class EagerCloud {
  readonly answers: Message[] = [];
  readonly server = new WebSocketServer({ host: '127.0.0.1', port: 0 });

  constructor() {
    this.server.on('connection', (ws) => {
      ws.on('message', (data) => {
        const msg = JSON.parse((data as Buffer).toString('utf8')) as Message;
        if (msg.route.operation === Operations.insert && msg.route.resource.includes('/node/')) {
          ws.send(JSON.stringify(replyTo(msg, 'cloudhub', 'OK')));
          for (let i = 0; i < OBJECTS; i++) {
            const object = newMessage({
              source: 'edgecontroller',
              group: WireGroups.resource,
              operation: Operations.insert,
              resource: `shop/configmap/c${i}`,
              content: { metadata: { name: `c${i}`, namespace: 'shop' } },
            });
            ws.send(JSON.stringify(object));
          }
          return;
        }
        if (msg.route.operation === Operations.response) this.answers.push(msg);
      });
    });
  }

  async address(): Promise<string> {
    if (!this.server.address()) await new Promise((resolve) => this.server.once('listening', resolve));
    return `127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    for (const ws of this.server.clients) ws.terminate();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

/** Stands in for metamanager: answers every object message at once, as its ack. */
class AckingMeta implements Module {
  readonly name = EdgeModules.metaManager;
  readonly group = EdgeGroups.meta;
  readonly enabled = true;

  async start(ctx: ModuleContext): Promise<void> {
    while (!ctx.signal.aborted) {
      let msg: Message;
      try {
        msg = await ctx.receive();
      } catch {
        return;
      }
      if (msg.route.operation !== Operations.insert) continue;
      await ctx.bus.send(EdgeModules.edgeHub, replyTo(msg, this.name, { status: 'OK' }), ctx.signal);
    }
  }
}

describe('EdgeHub right after the register reply', () => {
  let dir: TempDir;
  let edb: EdgeDatabase;
  let cloud: EagerCloud;
  let bus: Bus;

  beforeEach(async () => {
    dir = await tempDir('kedge-edgehub-race-');
    edb = openEdgeDatabase(join(dir.path, 'edgecore.db'));
    cloud = new EagerCloud();
    bus = new Bus({
      log: createLogger({ name: 'edgehub-test', level: process.env['KEDGE_LOG_LEVEL'] ?? 'silent' }),
      clock: systemClock,
    });
  });

  afterEach(async () => {
    await bus.stop();
    await cloud.close();
    edb.close();
    await dir.cleanup();
  });

  it('sends the answers to objects that arrive with the register reply', async () => {
    const hub = new EdgeHub(testEdgeHubOptions(await cloud.address(), new Outbox({ db: edb.db })));
    bus.register(hub);
    bus.register(new AckingMeta());
    await bus.start();
    await waitFor(() => cloud.answers.length === OBJECTS || undefined, {
      what: `the ${OBJECTS} answers at the cloud`,
      timeoutMs: 5_000,
    });
    expect(cloud.answers.map((m) => m.route.resource).sort()).toEqual(
      Array.from({ length: OBJECTS }, (_, i) => `shop/configmap/c${i}`),
    );
  });
});
