// For the integration tests of metaManager and metaServer: a real Bus, the
// real modules over a real SQLite file, a real HTTP server on 127.0.0.1:0,
// and a stand-in for EdgeHub (module `websocket`) that records what would be
// sent to the cloud.
import { EdgeGroups, EdgeModules, newMessage, type Message } from '@kedge/api';
import { Bus, type ModuleContext } from '@kedge/beehive';
import { createLogger } from '@kedge/runtime';
import { waitFor } from '@kedge/testing';
import { openEdgeDatabase, type EdgeDatabase } from '../src/database/index.ts';
import { MetaServer, metaServerTokenPath, readMetaServerToken } from '../src/metaserver/index.ts';
import { MetaCache } from '../src/metamanager/meta-cache.ts';
import { CloudConnection, MetaManager } from '../src/metamanager/meta-manager.ts';

interface HttpReply {
  status: number;
  headers: Headers;
  body: unknown;
}

export interface MetaHarness {
  readonly edb: EdgeDatabase;
  readonly cache: MetaCache;
  readonly bus: Bus;
  readonly server: MetaServer;
  readonly url: string;
  /** Every message handed to EdgeHub for the cloud, in order. */
  readonly toCloud: Message[];
  /** Delivers a cloud message to metaManager as EdgeHub would; resolves with its reply to the cloud. */
  fromCloud(
    operation: string,
    resource: string,
    content: unknown,
    options?: { resourceVersion?: string },
  ): Promise<Message>;
  replyFor(msgId: string): Promise<Message>;
  setCloudConnected(connected: boolean): Promise<void>;
  http(path: string, init?: RequestInit): Promise<HttpReply>;
  /** The bearer token metaServer wrote at start (`Authorization: Bearer <token>`). */
  token(): string;
  stop(): Promise<void>;
}

export async function startMetaHarness(
  file: string,
  options: { nodeName?: string } = {},
): Promise<MetaHarness> {
  const edb = openEdgeDatabase(file);
  const cache = new MetaCache({ db: edb.db });
  const bus = new Bus({
    log: createLogger({ name: 'edgecore-test', level: process.env['KEDGE_LOG_LEVEL'] ?? 'silent' }),
  });
  const toCloud: Message[] = [];
  bus.register({
    name: EdgeModules.edgeHub,
    group: EdgeGroups.hub,
    enabled: true,
    start: async (ctx: ModuleContext) => {
      while (!ctx.signal.aborted) {
        try {
          toCloud.push(await ctx.receive());
        } catch {
          return; // receive() rejects once the bus stops
        }
      }
    },
  });
  bus.register(new MetaManager({ cache }));
  const server = new MetaServer({
    cache,
    server: '127.0.0.1:0',
    nodeName: options.nodeName ?? 'edge-1',
    version: 'v0.1.0-test',
    tokenFile: metaServerTokenPath(file),
  });
  bus.register(server);
  await bus.start();
  const { url } = await server.listening();

  const replyFor = (msgId: string): Promise<Message> =>
    waitFor(() => toCloud.find((m) => m.header.parent_msg_id === msgId), {
      timeoutMs: 5000,
      what: `reply to ${msgId}`,
    });

  return {
    edb,
    cache,
    bus,
    server,
    url,
    toCloud,
    replyFor,
    async fromCloud(operation, resource, content, o = {}) {
      const msg = newMessage({
        source: 'edgecontroller',
        group: 'resource',
        operation,
        resource,
        content,
        ...(o.resourceVersion === undefined ? {} : { resourceVersion: o.resourceVersion }),
      });
      await bus.send(EdgeModules.metaManager, msg);
      return replyFor(msg.header.msg_id);
    },
    async setCloudConnected(connected) {
      const operation = connected ? CloudConnection.connected : CloudConnection.disconnected;
      await bus.sendToGroup(
        EdgeGroups.meta,
        newMessage({
          source: EdgeModules.edgeHub,
          group: EdgeGroups.meta,
          operation,
          resource: CloudConnection.resource,
        }),
      );
      await waitFor(() => cache.connected === connected, { timeoutMs: 5000, what: `connected=${connected}` });
    },
    token: () => readMetaServerToken(metaServerTokenPath(file)),
    async http(path, init) {
      const res = await fetch(`${url}${path}`, init);
      const text = await res.text();
      return {
        status: res.status,
        headers: res.headers,
        body: text ? (JSON.parse(text) as unknown) : undefined,
      };
    },
    async stop() {
      await bus.stop();
      edb.close();
    },
  };
}
