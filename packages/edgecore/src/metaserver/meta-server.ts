// metaServer: a small HTTP server on loopback serving the edge cache
// (healthz/readyz and Kubernetes-style reads), so local tools keep working
// while the node is offline. Other edge modules add endpoints through
// registerRoute (e.g. the task manager's upgrade confirmation). Every request
// passes request-guard.ts first (Host, Origin, JSON writes); confirmation and
// Secrets need the bearer token edgecore writes to `tokenFile` at start.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EdgeGroups, EdgeModules, KedgeError, errorMessage, hasCode, type ErrorCode } from '@kedge/api';
import type { Module, ModuleContext } from '@kedge/beehive';
import type { MetaView } from '../metamanager/index.ts';
import { registerKubeRoutes, statusError } from './kube-routes.ts';
import { writeMetaServerToken } from './metaserver-token.ts';
import {
  GUARD_STATUS,
  allowedHosts,
  checkBearer,
  checkRequest,
  checkWriteContentType,
} from './request-guard.ts';
import { Router, type RouteHandler, type RouteOptions, type RouteResponse } from './router.ts';
import { META_SERVER_FIELD, parseServerAddress, type ServerAddress } from './server-address.ts';

export interface MetaServerOptions {
  cache: MetaView;
  /** modules.metaManager.metaServer.server; a loopback host:port, port 0 = any free port. */
  server?: string;
  nodeName: string;
  /** edgecore version reported by /healthz. */
  version: string;
  /** modules.metaManager.enable && modules.metaManager.metaServer.enable (default true). */
  enabled?: boolean;
  /** Largest request body accepted (default 1 MiB). */
  maxBodyBytes?: number;
  /**
   * Where a new bearer token is written (0600) at every start; see metaServerTokenPath.
   * Without it nothing can authenticate: Secrets and confirmation are never served.
   */
  tokenFile?: string;
}

export interface MetaServerAddress extends ServerAddress {
  url: string;
}

const DEFAULT_SERVER = '127.0.0.1:10550';

export class MetaServer implements Module {
  readonly name = EdgeModules.metaServer;
  readonly group = EdgeGroups.metaServer;
  readonly enabled: boolean;
  readonly #options: MetaServerOptions;
  readonly #listen: ServerAddress;
  readonly #router = new Router();
  #address: MetaServerAddress | undefined;
  #hosts: ReadonlySet<string> = new Set();
  #token: string | undefined;
  #bound = deferred<MetaServerAddress>();

  constructor(options: MetaServerOptions) {
    this.#options = options;
    this.enabled = options.enabled ?? true;
    this.#listen = parseServerAddress(options.server ?? DEFAULT_SERVER);
    this.#router.add('GET', '/healthz', () => this.#healthz());
    this.#router.add('GET', '/readyz', () => this.#readyz());
    registerKubeRoutes(this.#router, options.cache);
  }

  /** Adds an endpoint; `path` may hold `{param}` segments. Works before or after start. */
  registerRoute(method: string, path: string, handler: RouteHandler, options?: RouteOptions): void {
    this.#router.add(method, path, handler, options);
  }

  /** Where the server listens now; undefined while it is not listening. */
  address(): MetaServerAddress | undefined {
    return this.#address;
  }

  /** Resolves once the server listens (at once if it already does); rejects if binding fails. */
  listening(): Promise<MetaServerAddress> {
    return this.#address ? Promise.resolve(this.#address) : this.#bound.promise;
  }

  async start(ctx: ModuleContext): Promise<void> {
    const server = createServer((req, res) => void this.#serve(ctx, req, res));
    server.on('clientError', (_err, socket) => socket.destroy());
    try {
      await listen(server, this.#listen);
    } catch (err: unknown) {
      const { host, port } = this.#listen;
      const failure = new KedgeError(
        'KEDGE_LISTEN_FAILED',
        `metaServer cannot listen on ${host}:${port}: ${errorMessage(err)}`,
        { fields: [META_SERVER_FIELD] },
        { cause: err },
      );
      this.#bound.reject(failure);
      this.#bound = deferred();
      throw failure;
    }
    server.on('error', (err) => ctx.log.error({ err }, 'metaServer server error'));
    const bound = server.address() as AddressInfo;
    this.#hosts = allowedHosts(this.#listen.host, bound.port);
    if (this.#options.tokenFile !== undefined) {
      try {
        this.#token = writeMetaServerToken(this.#options.tokenFile);
      } catch (err: unknown) {
        await close(server);
        this.#bound.reject(err);
        this.#bound = deferred();
        throw err;
      }
    }
    const host = this.#listen.host.includes(':') ? `[${this.#listen.host}]` : this.#listen.host;
    this.#address = { host: this.#listen.host, port: bound.port, url: `http://${host}:${bound.port}` };
    this.#bound.resolve(this.#address);
    ctx.log.info({ url: this.#address.url }, 'metaServer listening');
    try {
      await drainUntilStopped(ctx);
    } finally {
      this.#address = undefined;
      this.#bound = deferred();
      await close(server);
      ctx.log.info('metaServer stopped');
    }
  }

  #healthz(): RouteResponse {
    const { cache, nodeName, version } = this.#options;
    const body: Record<string, unknown> = {
      status: 'ok',
      cloudConnected: cache.connected,
      nodeName,
      version,
    };
    if (cache.lastConnectedAt !== undefined)
      body.lastConnectedAt = new Date(cache.lastConnectedAt).toISOString();
    return { status: 200, body };
  }

  #readyz(): RouteResponse {
    const { cache, nodeName } = this.#options;
    if (cache.connected) return { status: 200, body: { status: 'ready', cloudConnected: true, nodeName } };
    return {
      status: 503,
      body: { status: 'not ready', cloudConnected: false, nodeName, reason: 'not connected to the cloud' },
    };
  }

  async #serve(ctx: ModuleContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://metaserver');
    let reply: RouteResponse;
    try {
      reply = await this.#route(ctx, method, url, req);
    } catch (err: unknown) {
      const status = httpStatusOf(err);
      if (status >= 500) ctx.log.error({ err, method, path: url.pathname }, 'metaServer handler failed');
      const code = (err as { code?: unknown }).code;
      reply = statusError(
        status,
        reasonOf(status),
        errorMessage(err),
        typeof code === 'string' ? { causes: [{ reason: code }] } : undefined,
      );
      if (status === 401 || status === 403)
        ctx.log.warn({ method, path: url.pathname, code }, 'metaServer refused');
    }
    try {
      send(res, reply);
    } catch (err: unknown) {
      ctx.log.warn({ err, method, path: url.pathname }, 'metaServer could not write a response');
      res.destroy();
    }
  }

  async #route(ctx: ModuleContext, method: string, url: URL, req: IncomingMessage): Promise<RouteResponse> {
    checkRequest(req.headers, this.#hosts);
    const match = this.#router.match(method, url.pathname);
    switch (match.kind) {
      case 'not-found':
        return statusError(404, 'NotFound', `no endpoint ${method} ${url.pathname} on the edge metaServer`);
      case 'bad-path':
        return statusError(400, 'BadRequest', match.problem);
      case 'method-not-allowed': {
        const reply = statusError(405, 'MethodNotAllowed', `${method} is not allowed on ${url.pathname}`);
        return { ...reply, headers: { allow: match.allowed.join(', ') } };
      }
      case 'found': {
        checkWriteContentType(method, req.headers);
        const requireToken = (what: string): void => checkBearer(req.headers, this.#token, what);
        if (match.auth) requireToken(`${method} ${url.pathname}`);
        const body = await readJsonBody(req, this.#options.maxBodyBytes ?? 1 << 20);
        if (body.kind === 'error') return statusError(body.status, reasonOf(body.status), body.problem);
        const request = {
          method,
          path: url.pathname,
          params: match.params,
          query: url.searchParams,
          headers: req.headers,
          requireToken,
        };
        return match.handler({ ...request, body: body.value }, ctx.signal);
      }
    }
  }
}

const STATUS_OF_CODE: Partial<Record<ErrorCode, number>> = {
  KEDGE_STORE_NOT_FOUND: 404,
  KEDGE_RESOURCE_INVALID: 400,
  KEDGE_TASK_INVALID: 400,
  KEDGE_CONFIG_INVALID: 400,
  KEDGE_WIRE_MALFORMED: 400,
  KEDGE_STORE_CONFLICT: 409,
  KEDGE_STORE_ALREADY_EXISTS: 409,
  KEDGE_STORE_UNAVAILABLE: 503,
  KEDGE_BUS_TIMEOUT: 504,
  ...GUARD_STATUS,
};

function httpStatusOf(err: unknown): number {
  for (const [code, status] of Object.entries(STATUS_OF_CODE)) {
    if (hasCode(err, code as ErrorCode)) return status;
  }
  return 500;
}

function reasonOf(status: number): string {
  const reasons: Record<number, string> = {
    400: 'BadRequest',
    401: 'Unauthorized',
    403: 'Forbidden',
    415: 'UnsupportedMediaType',
    404: 'NotFound',
    409: 'Conflict',
    413: 'RequestEntityTooLarge',
    503: 'ServiceUnavailable',
    504: 'Timeout',
  };
  return reasons[status] ?? 'InternalError';
}

function send(res: ServerResponse, reply: RouteResponse): void {
  const headers: Record<string, string> = { ...reply.headers };
  const text = reply.body === undefined ? '' : `${JSON.stringify(reply.body)}\n`;
  if (text) headers['content-type'] = 'application/json';
  headers['content-length'] = String(Buffer.byteLength(text));
  res.writeHead(reply.status, headers);
  res.end(text);
}

type BodyResult = { kind: 'ok'; value: unknown } | { kind: 'error'; status: number; problem: string };

async function readJsonBody(req: IncomingMessage, limit: number): Promise<BodyResult> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) return { kind: 'error', status: 413, problem: `request body over ${limit} bytes` };
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (!text) return { kind: 'ok', value: undefined };
  try {
    return { kind: 'ok', value: JSON.parse(text) as unknown };
  } catch (err: unknown) {
    return { kind: 'error', status: 400, problem: `request body: not valid JSON (${errorMessage(err)})` };
  }
}

function listen(server: Server, at: ServerAddress): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    server.once('error', onError);
    server.listen(at.port, at.host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** metaServer takes no bus messages; it empties its inbox so senders never block on it. */
async function drainUntilStopped(ctx: ModuleContext): Promise<void> {
  while (!ctx.signal.aborted) {
    try {
      const msg = await ctx.receive();
      ctx.log.debug({ msgId: msg.header.msg_id, op: msg.route.operation }, 'metaServer ignores bus messages');
    } catch (err: unknown) {
      if (ctx.signal.aborted || hasCode(err, 'KEDGE_BUS_STOPPED')) return;
      throw err;
    }
  }
}

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(err: unknown): void;
}

function deferred<T>(): Deferred<T> {
  const d = Promise.withResolvers<T>();
  d.promise.catch(() => undefined); // a bind failure nobody waits for is still reported by start()
  return d;
}
