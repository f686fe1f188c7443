// CloudHub: the WebSocket server edge nodes connect to. It authenticates each
// node, keeps one live session per node, checks liveness and hands every
// valid upstream message to the handlers, answering sync messages with a
// `response` or `error` once the handler finished (docs/tunnel.md).
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import {
  errorCodeOf,
  errorMessage,
  hasCode,
  MessageSchema,
  Operations,
  describeIssues,
  newMessage,
  replyTo,
  type Message,
  type WireErrorContent,
} from '@kedge/api';
import { every, type Clock, type Logger } from '@kedge/runtime';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { CloseCodes, closeReason } from './close-codes.ts';
import { guarded } from './connection-guard.ts';
import { checkHandshakeHeaders, refuseUpgrade } from './handshake-headers.ts';
import {
  DEFAULT_NODE_RATE_LIMIT,
  UpstreamRateLimiter,
  exemptFromRateLimit,
  type RateLimit,
} from './upstream-rate-limit.ts';
import { StatusParking, isParkableStatus } from './status-parking.ts';
import { NodeSession } from './node-session.ts';
import { verifyNodeToken } from '@kedge/tokens';
import { checkSpeaksForItself, isRegisterMessage } from './upstream-rules.ts';

/** Upstream messages of one node admitted but not handled yet; beyond it new ones are refused (retryable). */
const MAX_WAITING_UPSTREAM = 256;

export interface CloudHubTls {
  cert: string | Buffer;
  key: string | Buffer;
  ca?: string | Buffer;
  /** Ask for a client certificate signed by `ca` (authenticate checks it on every upgrade). */
  requestCert?: boolean;
}

/** How a connection proves it is the node it names: a certificate check (certs/tunnel-auth.ts). */
export type NodeAuthenticator = (
  req: IncomingMessage,
  nodeName: string,
) => { ok: true } | { ok: false; code: 'KEDGE_AUTH_REJECTED' | 'KEDGE_AUTH_NODE_REVOKED'; message: string };

export interface DisconnectReason {
  /** Condition reason for the Node, e.g. EdgeDisconnected. */
  reason: string;
  message: string;
}

interface CloudHubHandlers {
  /** The node's register message; returns the reply content (the Node). */
  register(session: NodeSession, content: unknown): Promise<unknown>;
  /** Any other upstream message; for sync messages the result is the reply content. */
  message(session: NodeSession, msg: Message): Promise<unknown>;
  /** The node's current session ended (not called for a replaced session). */
  closed(session: NodeSession, why: DisconnectReason): Promise<void>;
}

export interface CloudHubOptions {
  host: string;
  port: number;
  tls?: CloudHubTls | undefined;
  tokenSecret: string | Buffer;
  /** Identity from the client certificate instead of the token (set with tls.requestCert). */
  authenticate?: NodeAuthenticator | undefined;
  nodeLimit: number;
  keepaliveTimeoutMs: number;
  maxMessageBytes: number;
  maxBufferedBytes?: number;
  /** Upstream messages per node (default 30/s, burst 60). */
  rateLimit?: RateLimit | undefined;
  log: Logger;
  clock: Clock;
  handlers: CloudHubHandlers;
}

export class CloudHub {
  private readonly options: CloudHubOptions;
  private readonly log: Logger;
  private readonly sessions = new Map<string, NodeSession>();
  private readonly wss: WebSocketServer;
  private readonly limiter: UpstreamRateLimiter;
  private readonly parking: StatusParking;
  private server: Server | undefined;
  /** Aborted by stop(): ends the liveness loop. */
  private liveness: AbortController | undefined;

  constructor(options: CloudHubOptions) {
    this.options = options;
    this.log = options.log.child({ module: 'cloudhub' });
    this.wss = new WebSocketServer({ noServer: true, maxPayload: options.maxMessageBytes });
    this.limiter = new UpstreamRateLimiter(options.rateLimit ?? DEFAULT_NODE_RATE_LIMIT, this.log);
    this.parking = new StatusParking({
      limiter: this.limiter,
      clock: options.clock,
      log: this.log,
      admit: (session, msg) => this.admit(session, msg),
    });
  }

  /** Listens; resolves with the bound port. */
  async start(): Promise<number> {
    const { tls } = this.options;
    const server = tls
      ? createHttpsServer({
          cert: tls.cert,
          key: tls.key,
          ...(tls.ca ? { ca: tls.ca } : {}),
          // checked per upgrade (authenticate), so /healthz still answers probes without a certificate
          ...(tls.requestCert ? { requestCert: true, rejectUnauthorized: false } : {}),
        })
      : createHttpServer();
    server.on('request', (req, res) => this.onRequest(req, res));
    server.on('upgrade', (req, socket, head) => this.onUpgrade(req, socket, head));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, this.options.host, () => resolve());
    });
    const interval = Math.max(200, Math.min(5000, this.options.keepaliveTimeoutMs / 4));
    this.liveness = new AbortController();
    every(this.options.clock, interval, this.liveness.signal, () => this.checkLiveness()).catch(
      (err: unknown) => this.log.error({ err }, 'liveness loop ended'),
    );
    const port = (server.address() as AddressInfo).port;
    this.log.info({ host: this.options.host, port, tls: Boolean(tls) }, 'cloudhub listening');
    return port;
  }

  async stop(): Promise<void> {
    this.liveness?.abort();
    for (const session of this.sessions.values()) session.close(CloseCodes.goingAway, 'cloudcore stopping');
    this.sessions.clear();
    const server = this.server;
    if (server) {
      server.closeAllConnections?.();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }

  session(nodeName: string): NodeSession | undefined {
    return this.sessions.get(nodeName);
  }

  connectedNodes(): string[] {
    return [...this.sessions.values()].filter((s) => s.registered).map((s) => s.nodeName);
  }

  /** Sends to a connected node; false when it is not connected here. */
  send(nodeName: string, msg: Message): boolean {
    const session = this.sessions.get(nodeName);
    return session?.registered === true && session.send(msg);
  }

  /**
   * Plain HTTP on the tunnel port: `GET /healthz` answers 200 while the hub
   * serves (for Kubernetes probes and load balancers); anything else is told
   * to upgrade to WebSocket.
   */
  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '').split('?')[0];
    if (path === '/healthz' && (req.method === 'GET' || req.method === 'HEAD')) {
      const body = JSON.stringify({ status: 'ok', connectedNodes: this.connectedNodes().length });
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(req.method === 'HEAD' ? undefined : body);
      return;
    }
    res.writeHead(426, { 'content-type': 'text/plain' }).end('kedge cloudhub: WebSocket upgrade required\n');
  }

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const remoteAddress = req.socket.remoteAddress ?? '';
    guarded(
      this.log,
      { remoteAddress },
      'websocket upgrade',
      () => {
        const check = checkHandshakeHeaders(req);
        if (!check.ok) {
          this.log.warn({ remoteAddress, code: check.code }, `upgrade refused: ${check.message}`);
          refuseUpgrade(socket, check.code, check.message);
          return;
        }
        const context = { node: check.identity.nodeName, remoteAddress };
        this.wss.handleUpgrade(req, socket, head, (ws) =>
          guarded(
            this.log,
            context,
            'connection setup',
            () => this.onConnection(ws, req),
            () => ws.terminate(),
          ),
        );
      },
      () => socket.destroy(),
    );
  }

  private onConnection(ws: WebSocket, req: IncomingMessage): void {
    const nodeName = header(req, 'node_id');
    const token = (header(req, 'authorization') ?? '').replace(/^Bearer\s+/i, '');
    const remoteAddress = req.socket.remoteAddress ?? '';
    if (!nodeName) {
      this.refuse(ws, CloseCodes.unauthorized, 'missing node_id header', { remoteAddress });
      return;
    }
    const auth = this.options.authenticate?.(req, nodeName);
    if (auth && !auth.ok) {
      const code = auth.code === 'KEDGE_AUTH_NODE_REVOKED' ? CloseCodes.revoked : CloseCodes.unauthorized;
      this.refuse(ws, code, `${auth.code}: ${auth.message}`, { node: nodeName, remoteAddress });
      return;
    }
    if (!auth && (!token || !verifyNodeToken(this.options.tokenSecret, nodeName, token))) {
      const why = token ? 'wrong credential' : 'missing credential';
      this.refuse(ws, CloseCodes.unauthorized, `node ${nodeName}: ${why}`, { node: nodeName, remoteAddress });
      return;
    }
    const previous = this.sessions.get(nodeName);
    if (!previous && this.sessions.size >= this.options.nodeLimit) {
      this.refuse(ws, CloseCodes.nodeLimit, `node limit ${this.options.nodeLimit} reached`, {
        node: nodeName,
      });
      return;
    }
    const session = new NodeSession(
      ws,
      {
        nodeName,
        projectId: header(req, 'project_id') ?? '',
        edgecoreVersion: header(req, 'x-kedge-edgecore-version') ?? '',
        remoteAddress,
      },
      this.options.clock.now(),
      this.log,
      this.options.maxBufferedBytes ?? 16 * 1024 * 1024,
    );
    if (previous) {
      this.log.info({ node: nodeName }, 'new connection replaces the previous session');
      previous.close(CloseCodes.replaced, 'replaced by a newer connection');
    }
    this.sessions.set(nodeName, session);
    this.log.info({ node: nodeName, remoteAddress }, 'node connected');

    const context = { node: nodeName, remoteAddress };
    const failed = () => session.close(CloseCodes.internalError, 'internal error handling this connection');
    ws.on('message', (data, isBinary) =>
      guarded(this.log, context, 'upstream frame', () => this.onFrame(session, data, isBinary), failed),
    );
    ws.on('pong', () => {
      session.lastSeen = this.options.clock.now();
    });
    ws.on('error', (err) => {
      this.log.warn({ node: nodeName, err: err.message }, 'socket error');
    });
    ws.on('close', (peerCode, peerReason) =>
      guarded(this.log, context, 'session close', () => this.onSocketClosed(session, peerCode, peerReason)),
    );
  }

  private onSocketClosed(session: NodeSession, peerCode: number, peerReason: Buffer): void {
    session.closed = true;
    const code = session.closedByCloud?.code ?? peerCode;
    const text =
      session.closedByCloud?.reason ??
      (peerReason.toString() || (code === CloseCodes.oversize ? 'frame too large' : 'connection closed'));
    this.onSessionEnded(session, {
      reason: code === CloseCodes.keepaliveTimeout ? 'EdgeKeepaliveTimeout' : 'EdgeDisconnected',
      message: `tunnel closed (code ${code}: ${text})`,
    });
  }

  private refuse(ws: WebSocket, code: number, reason: string, context: Record<string, unknown>): void {
    this.log.warn({ ...context, code }, `connection refused: ${reason}`);
    ws.close(code, closeReason(reason));
    // eslint-disable-next-line no-restricted-globals -- socket cut-off after a close, unref so it never holds the process; not a component timer
    setTimeout(() => ws.terminate(), 2000).unref();
  }

  private onSessionEnded(session: NodeSession, why: DisconnectReason): void {
    if (this.sessions.get(session.nodeName) !== session) return; // replaced: the newer session owns the node
    this.sessions.delete(session.nodeName);
    this.limiter.forget(session.nodeName);
    this.parking.forget(session.nodeName);
    this.log.info({ node: session.nodeName, reason: why.reason }, why.message);
    if (!session.registered) return;
    session.enqueue(() => this.options.handlers.closed(session, why));
  }

  private onFrame(session: NodeSession, data: RawData, isBinary: boolean): void {
    session.lastSeen = this.options.clock.now();
    if (isBinary) {
      this.rejectFrame(session, undefined, 'binary frames are not accepted; send JSON text');
      return;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(rawToString(data));
    } catch (err) {
      this.rejectFrame(session, undefined, `frame is not JSON: ${errorMessage(err)}`);
      return;
    }
    const result = MessageSchema.safeParse(parsed);
    if (!result.success) {
      this.rejectFrame(
        session,
        parsed,
        `frame is not a valid message: ${describeIssues(result.error).join('; ')}`,
      );
      return;
    }
    const msg = result.data;
    if (msg.route.operation === Operations.keepalive) return;
    if (!exemptFromRateLimit(msg)) {
      const parkable = session.registered && isParkableStatus(msg);
      // A newer status of a pod whose status waits goes behind it, never past it.
      if (parkable && this.parking.holds(session.nodeName, msg) && this.parking.park(session, msg)) return;
      if (!this.limiter.allow(session.nodeName, this.options.clock.now())) {
        if (parkable && this.parking.park(session, msg)) return;
        const { qps, burst } = this.options.rateLimit ?? DEFAULT_NODE_RATE_LIMIT;
        const why = `node ${session.nodeName} sends more than ${qps} messages/s (burst ${burst}); resend later`;
        if (msg.header.sync) session.send(errorReply(msg, 'KEDGE_WIRE_RATE_LIMITED', why, true));
        return;
      }
    }
    this.admit(session, msg);
  }

  /** A frame past the rate limit (now, or after waiting in the status parking): checked, then queued. */
  private admit(session: NodeSession, msg: Message): void {
    const refusal = checkSpeaksForItself(session.nodeName, msg);
    if (refusal) {
      this.log.warn(
        {
          node: session.nodeName,
          msgId: msg.header.msg_id,
          resource: msg.route.resource,
          code: refusal.code,
        },
        refusal.message,
      );
      session.send(errorReply(msg, refusal.code, refusal.message, false));
      return;
    }
    if (
      !session.registered &&
      !isRegisterMessage(session.nodeName, msg) &&
      msg.route.operation !== Operations.response
    ) {
      session.send(errorReply(msg, 'KEDGE_WIRE_MALFORMED', 'the first message must register the node', true));
      return;
    }
    const arrived = this.options.clock.now();
    if (!session.tryEnqueue(() => this.handle(session, msg, arrived), MAX_WAITING_UPSTREAM)) {
      const why = `node ${session.nodeName} has ${MAX_WAITING_UPSTREAM} messages waiting to be handled; resend later`;
      this.log.warn({ node: session.nodeName, msgId: msg.header.msg_id }, why);
      if (msg.header.sync) session.send(errorReply(msg, 'KEDGE_WIRE_RATE_LIMITED', why, true));
    }
  }

  private async handle(session: NodeSession, msg: Message, arrived: number): Promise<void> {
    if (session.closed) return;
    const { handlers, clock } = this.options;
    const started = clock.now();
    try {
      let content: unknown;
      if (isRegisterMessage(session.nodeName, msg)) {
        content = await handlers.register(session, msg.content);
        session.registered = true;
      } else {
        content = await handlers.message(session, msg);
      }
      if (msg.header.sync) session.send(replyTo(msg, 'cloudhub', content ?? 'OK'));
      this.log.debug(
        {
          node: session.nodeName,
          resource: msg.route.resource,
          operation: msg.route.operation,
          waitedMs: started - arrived,
          tookMs: clock.now() - started,
        },
        'upstream message handled',
      );
    } catch (err) {
      const code = hasCode(err, 'KEDGE_STORE_CONFLICT') || hasCode(err, 'KEDGE_STORE_UNAVAILABLE');
      const wireCode = errorCodeOf(err);
      this.log.warn(
        {
          node: session.nodeName,
          msgId: msg.header.msg_id,
          resource: msg.route.resource,
          err: errorMessage(err),
        },
        'upstream message failed',
      );
      session.send(errorReply(msg, wireCode, errorMessage(err), code || wireCode === 'KEDGE_INTERNAL'));
    }
  }

  /** A malformed frame: answer with an error naming the problem, then close this session only. */
  private rejectFrame(session: NodeSession, parsed: unknown, problem: string): void {
    this.log.warn({ node: session.nodeName }, `malformed frame: ${problem}`);
    const parentId = (parsed as { header?: { msg_id?: unknown } } | undefined)?.header?.msg_id;
    const error = newMessage({
      source: 'cloudhub',
      group: 'hub',
      operation: Operations.error,
      resource: '',
      content: {
        code: 'KEDGE_WIRE_MALFORMED',
        message: problem,
        retryable: false,
      } satisfies WireErrorContent,
      ...(typeof parentId === 'string' ? { parentId } : {}),
    });
    session.send(error);
    session.close(CloseCodes.malformed, `malformed frame: ${problem}`);
  }

  private checkLiveness(): void {
    const now = this.options.clock.now();
    for (const session of this.sessions.values()) {
      const silentFor = now - session.lastSeen;
      if (silentFor > this.options.keepaliveTimeoutMs) {
        session.close(
          CloseCodes.keepaliveTimeout,
          `no keepalive for ${Math.round(silentFor / 1000)}s (timeout ${this.options.keepaliveTimeoutMs / 1000}s)`,
        );
      } else if (silentFor > this.options.keepaliveTimeoutMs / 2) {
        session.ping();
      }
    }
  }
}

function errorReply(msg: Message, code: string, message: string, retryable: boolean): Message {
  const content: WireErrorContent = { code, message, retryable };
  return replyTo(msg, 'cloudhub', content, Operations.error);
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function rawToString(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}
