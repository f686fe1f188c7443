// EdgeHub: the edge end of the tunnel (module `websocket`, group `hub`).
// It keeps one connection to the cloud alive (register, keepalive, reconnect
// with backoff and jitter; with several cloudcore addresses, a failed attempt
// moves on to the next one, cloud-addresses.ts), routes cloud messages to local modules, sends
// local modules' messages up, and drives the outbox: sync messages arrive
// already stored (EdgeReporter), every send is counted in the row's attempts,
// and a row is deleted only when the cloud acknowledges it.
import {
  EdgeGroups,
  EdgeModules,
  KedgeError,
  LogsRoute,
  Operations,
  WireGroups,
  edgeResource,
  errorCodeOf,
  errorMessage,
  newMessage,
  MessageSchema,
  WireErrorContentSchema,
  type Message,
  type RegisterNodeContent,
} from '@kedge/api';
import type { Module, ModuleContext } from '@kedge/beehive';
import { Backoff, every, resendDelayMs, type Clock, type Logger } from '@kedge/runtime';
import { WebSocket } from 'ws';
import type { Outbox } from '../database/outbox.ts';
import type { EdgeTlsMaterial } from './certificate/cert-manager.ts';
import { CloudAddresses } from './cloud-addresses.ts';
import { cloudUrl } from './cloud-url.ts';

export interface EdgeHubOptions {
  nodeName: string;
  projectId: string;
  token: string;
  /** The cloudcore address dialled first. */
  server: string;
  /** More cloudcore addresses (other replicas), dialled in turn when an attempt fails. */
  servers?: readonly string[];
  ca?: string | Buffer | undefined;
  /** Certificate mode: the client certificate is the node's identity (certificate/cert-manager.ts). */
  certificates?: EdgeCertificates | undefined;
  heartbeatMs: number;
  handshakeTimeoutMs: number;
  maxMessageBytes: number;
  reconnectInitialMs: number;
  reconnectMaxMs: number;
  /** How long an unacknowledged outbox message waits before it is sent again. */
  resendAfterMs?: number;
  register: () => RegisterNodeContent;
  outbox: Outbox;
  clock: Clock;
}

interface EdgeCertificates {
  prepare(): Promise<EdgeTlsMaterial>;
  discard(): void;
  rotationLoop(signal: AbortSignal): Promise<void>;
}

/** The cloud's close code for a revoked node (cloudcore close-codes.ts). */
const REVOKED_CLOSE_CODE = 4403;

export type EdgeHubState = 'disconnected' | 'connecting' | 'connected';

export class EdgeHub implements Module {
  readonly name = EdgeModules.edgeHub;
  readonly group = EdgeGroups.hub;
  readonly enabled = true;
  readonly restartPolicy = { kind: 'Always' as const };
  state: EdgeHubState = 'disconnected';
  private readonly o: EdgeHubOptions;
  private socket: WebSocket | undefined;
  private readonly sentAt = new Map<string, number>();

  constructor(options: EdgeHubOptions) {
    this.o = options;
  }

  async start(ctx: ModuleContext): Promise<void> {
    await Promise.all([
      this.connectionLoop(ctx),
      this.localMessageLoop(ctx),
      this.o.certificates?.rotationLoop(ctx.signal),
    ]);
  }

  private async connectionLoop(ctx: ModuleContext): Promise<void> {
    const backoff = new Backoff({
      initialMs: this.o.reconnectInitialMs,
      maxMs: this.o.reconnectMaxMs,
      jitter: 0.3,
    });
    const addresses = new CloudAddresses(this.o.server, this.o.servers);
    while (!ctx.signal.aborted) {
      const server = addresses.current;
      const registered = await this.runSession(ctx, server).catch((err: unknown) => {
        ctx.log.warn({ server, code: errorCodeOf(err), err: errorMessage(err) }, 'cloud session failed');
        return false;
      });
      if (ctx.signal.aborted) break;
      if (registered) {
        backoff.reset();
        addresses.succeeded();
      } else if (addresses.failed()) {
        ctx.log.info({ failed: server, next: addresses.current }, 'trying the next cloudcore address');
        continue;
      }
      const delay = backoff.next();
      ctx.log.info({ delayMs: delay, server: addresses.current }, 'reconnecting to the cloud');
      await this.o.clock.sleep(delay, ctx.signal).catch(() => undefined);
    }
  }

  /** One connection, from dial to close. Resolves true if it got registered. */
  private async runSession(ctx: ModuleContext, server: string): Promise<boolean> {
    const o = this.o;
    this.state = 'connecting';
    const material = o.certificates ? await o.certificates.prepare() : undefined;
    const tls = Boolean(material) || Boolean(o.ca) || server.startsWith('wss://');
    const url = cloudUrl(server, o.projectId, o.nodeName, tls);
    const ws = new WebSocket(url, {
      headers: {
        node_id: o.nodeName,
        project_id: o.projectId,
        ...(material ? {} : { authorization: `Bearer ${o.token}` }),
        'x-kedge-edgecore-version': o.register().edgecoreVersion,
      },
      handshakeTimeout: o.handshakeTimeoutMs,
      maxPayload: o.maxMessageBytes,
      ...(material ? { ca: material.ca, cert: material.cert, key: material.key } : o.ca ? { ca: o.ca } : {}),
    });
    this.socket = ws;
    let registered = false;
    // Ends this connection's keepalive and resend loops (aborted on disconnect and on stop).
    const connection = new AbortController();
    const loops = AbortSignal.any([ctx.signal, connection.signal]);
    const onAbort = (): void => ws.close(1001, 'edgecore stopping');
    ctx.signal.addEventListener('abort', onAbort, { once: true });

    try {
      await new Promise<void>((resolve, reject) => {
        ws.once('open', () => resolve());
        ws.once('error', reject);
        ws.once('unexpected-response', (_req, res) =>
          reject(
            new KedgeError(
              'KEDGE_HUB_CONNECT_FAILED',
              `${server}: cloud answered HTTP ${res.statusCode} instead of opening the tunnel`,
              { node: o.nodeName, server, httpStatus: res.statusCode },
            ),
          ),
        );
      });
      ctx.log.info({ url }, 'connected to the cloud; registering');
      const registerMsg = newMessage({
        source: EdgeModules.edgeHub,
        group: WireGroups.resource,
        operation: Operations.insert,
        resource: edgeResource(undefined, 'node', o.nodeName),
        content: o.register(),
        sync: true,
      });

      const closed = new Promise<{ code: number; reason: string }>((resolve) => {
        ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() }));
      });
      ws.on('error', (err) => ctx.log.warn({ err: err.message }, 'tunnel error'));
      const registeredReply = new Promise<void>((resolve, reject) => {
        ws.on('message', (data) => {
          const msg = parseFrame(data, ctx.log);
          if (!msg) return;
          if (msg.header.parent_msg_id === registerMsg.header.msg_id) {
            if (msg.route.operation === Operations.response) {
              // Connected from this frame on, before the frames behind it in the same read are handed
              // to the modules: the cloud sends a node its objects right after the reply, and the acks
              // metamanager sends for them must not find the tunnel still "registering" (dropped).
              // Everything pending goes out first, in outbox order, in the same turn as the state
              // change: a report queued meanwhile is sent directly only once 'connected', so it can
              // never overtake an older one (the cloud records a node's reports in arrival order).
              registered = true;
              this.state = 'connected';
              this.flushOutbox(ctx, true);
              resolve();
            } else
              reject(
                new KedgeError(
                  'KEDGE_HUB_CONNECT_FAILED',
                  `${server}: cloud refused the registration of node ${o.nodeName}: ${JSON.stringify(msg.content)}`,
                  { node: o.nodeName, server },
                ),
              );
            return;
          }
          this.fromCloud(ctx, msg);
        });
      });
      ws.send(JSON.stringify(registerMsg));
      const first = await Promise.race([
        registeredReply.then(() => 'registered' as const),
        closed.then((c) => c),
        this.o.clock.sleep(o.handshakeTimeoutMs, ctx.signal).then(() => 'timeout' as const),
      ]);
      if (first === 'timeout') {
        throw new KedgeError(
          'KEDGE_HUB_CONNECT_FAILED',
          `${server}: no answer to the registration of node ${o.nodeName} within ${o.handshakeTimeoutMs} ms`,
          { node: o.nodeName, server },
        );
      }
      if (first !== 'registered') {
        logClose(ctx, o.nodeName, first);
        if (first.code === REVOKED_CLOSE_CODE) o.certificates?.discard();
        return false;
      }

      ctx.log.info({ outbox: this.o.outbox.stats() }, 'registered with the cloud');
      void every(this.o.clock, o.heartbeatMs, loops, () => this.sendKeepalive());
      const resendEvery = Math.max(500, Math.min(5000, (o.resendAfterMs ?? 10_000) / 2));
      void every(this.o.clock, resendEvery, loops, () => this.flushOutbox(ctx, false));
      await this.announce(ctx, 'cloud_connected');
      const end = await closed;
      logClose(ctx, o.nodeName, end);
      if (end.code === REVOKED_CLOSE_CODE) o.certificates?.discard();
      return true;
    } finally {
      connection.abort();
      ctx.signal.removeEventListener('abort', onAbort);
      this.socket = undefined;
      this.state = 'disconnected';
      if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) ws.terminate();
      if (registered) await this.announce(ctx, 'cloud_disconnected').catch(() => undefined);
    }
  }

  /** Messages local modules address to `websocket` go to the cloud. */
  private async localMessageLoop(ctx: ModuleContext): Promise<void> {
    while (!ctx.signal.aborted) {
      let msg: Message;
      try {
        msg = await ctx.receive();
      } catch {
        return; // bus stopping
      }
      if (msg.header.sync) {
        // Already in the outbox (EdgeReporter stored it): sent now if connected, else on reconnect.
        this.sendOutboxMessages(ctx, [msg]);
      } else if (!this.sendNow(msg)) {
        ctx.log.debug(
          { msgId: msg.header.msg_id, resource: msg.route.resource },
          'not connected; message dropped',
        );
      }
    }
  }

  private fromCloud(ctx: ModuleContext, msg: Message): void {
    const op = msg.route.operation;
    const parent = msg.header.parent_msg_id;
    if ((op === Operations.response || op === Operations.error) && parent) {
      if (this.sentAt.has(parent) || op === Operations.response) {
        this.settleOutbox(ctx, parent, msg);
      }
      ctx.bus.sendResp(msg);
      return;
    }
    const target =
      msg.route.group === WireGroups.resource
        ? EdgeModules.metaManager
        : msg.route.group === WireGroups.taskManager
          ? EdgeModules.taskManager
          : msg.route.group === LogsRoute.group
            ? EdgeModules.edged
            : undefined;
    if (!target) {
      ctx.log.warn({ group: msg.route.group, operation: op }, 'cloud message for an unknown group dropped');
      return;
    }
    ctx.bus.send(target, msg, ctx.signal).catch((err: unknown) => {
      ctx.log.warn(
        { target, msgId: msg.header.msg_id, err: errorMessage(err) },
        'cloud message not delivered',
      );
    });
  }

  private settleOutbox(ctx: ModuleContext, msgId: string, reply: Message): void {
    if (reply.route.operation === Operations.error) {
      const err = WireErrorContentSchema.safeParse(reply.content);
      if (err.success && err.data.retryable) {
        ctx.log.warn(
          { msgId, code: err.data.code, reason: err.data.message },
          'cloud could not store report yet',
        );
        return; // stays in the outbox; resent later
      }
      ctx.log.error({ msgId, content: reply.content }, 'cloud rejected report; dropping it from the outbox');
    }
    this.sentAt.delete(msgId);
    this.o.outbox.ack(msgId);
  }

  private flushOutbox(ctx: ModuleContext, all: boolean): void {
    const now = this.o.clock.now();
    const resendAfter = this.o.resendAfterMs ?? 10_000;
    try {
      const due = this.o.outbox.entries(1000).filter((e) => {
        const last = this.sentAt.get(e.message.header.msg_id);
        return all || last === undefined || now - last >= resendDelayMs(resendAfter, e.attempts);
      });
      const resent = due.filter((e) => e.attempts > 0);
      if (resent.length > 0) {
        const maxAttempts = Math.max(...resent.map((e) => e.attempts));
        ctx.log.info(
          { resent: resent.length, maxAttempts, oldestMsgId: resent[0]?.message.header.msg_id },
          'sending unacknowledged reports again',
        );
      }
      this.sendOutboxMessages(
        ctx,
        due.map((e) => e.message),
      );
    } catch (err) {
      ctx.log.error({ err: errorMessage(err) }, 'reading the outbox failed');
    }
  }

  /** Sends outbox messages if connected; each send counts as an attempt in the outbox row. */
  private sendOutboxMessages(ctx: ModuleContext, msgs: readonly Message[]): void {
    const sent: string[] = [];
    const now = this.o.clock.now();
    for (const msg of msgs) {
      if (!this.sendNow(msg)) break;
      this.sentAt.set(msg.header.msg_id, now);
      sent.push(msg.header.msg_id);
    }
    try {
      this.o.outbox.markAttempts(sent);
    } catch (err: unknown) {
      ctx.log.error({ err: errorMessage(err), sent: sent.length }, 'counting report sends failed');
    }
  }

  private sendNow(msg: Message): boolean {
    const ws = this.socket;
    if (this.state !== 'connected' || !ws || ws.readyState !== WebSocket.OPEN) return false;
    ws.send(JSON.stringify(msg));
    return true;
  }

  private sendKeepalive(): void {
    this.sendNow(
      newMessage({
        source: EdgeModules.edgeHub,
        group: WireGroups.resource,
        operation: Operations.keepalive,
        resource: 'node',
        content: 'ping',
      }),
    );
  }

  private async announce(
    ctx: ModuleContext,
    operation: 'cloud_connected' | 'cloud_disconnected',
  ): Promise<void> {
    for (const group of [EdgeGroups.meta, EdgeGroups.taskManager, EdgeGroups.edged]) {
      const msg = newMessage({ source: EdgeModules.edgeHub, group, operation, resource: 'node/connection' });
      await ctx.bus.sendToGroup(group, msg).catch((err: unknown) => {
        ctx.log.debug({ group, err: errorMessage(err) }, 'connection announcement not delivered');
      });
    }
  }
}

function parseFrame(data: WebSocket.RawData, log: Logger): Message | undefined {
  try {
    const text = Buffer.isBuffer(data)
      ? data.toString('utf8')
      : Buffer.from(data as ArrayBuffer).toString('utf8');
    const result = MessageSchema.safeParse(JSON.parse(text));
    if (result.success) return result.data;
    log.warn({ issues: result.error.issues.length }, 'invalid message from the cloud ignored');
  } catch (err) {
    log.warn({ err: errorMessage(err) }, 'unparsable frame from the cloud ignored');
  }
  return undefined;
}

function logClose(ctx: ModuleContext, node: string, close: { code: number; reason: string }): void {
  const fields = { node, code: close.code, reason: close.reason };
  if (close.code === 4401 || close.code === 4403 || close.code === 4429 || close.code === 4400) {
    ctx.log.error(fields, `cloud refused the connection: ${close.reason}`);
  } else {
    ctx.log.warn(fields, 'tunnel closed');
  }
}
