// cloudcore's HTTP endpoint for `kedgectl logs`, on loopback by default:
// GET /logs/namespaces/<ns>/pods/<pod>?container=&follow=&tailLines= with the
// bearer token published beside its address in the store
// (logs-endpoint-record.ts). It checks the pod against the store, opens a
// LogsRelay stream on the pod's node and writes the node's chunks as they
// come (chunked text/plain). An error before the first chunk is a coded
// JSON answer; one after it is the trailer X-Kedge-Error. A follow ends when
// the reader goes away or the pod is deleted (or replaced under its name).
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KedgeError, errorCodeOf, errorMessage, logsTarget, type ErrorCode } from '@kedge/api';
import type { Logger } from '@kedge/runtime';
import type { ResourceStore } from '@kedge/store';
import type { LogsRelay } from '../logs-relay.ts';
import { parseLogsQuery, type LogsQuery } from './logs-query.ts';
import { publishLogsEndpoint, withdrawLogsEndpoint } from './logs-endpoint-record.ts';
import { watchPodGone } from './pod-gone.ts';

export interface LogsEndpointOptions {
  address: string;
  /** 0 = any free port; kedgectl finds it in the store. */
  port: number;
  replicaId: string;
  store: ResourceStore;
  relay: LogsRelay;
  /** True when the node has a registered session on this replica. */
  isConnected(node: string): boolean;
  log: Logger;
}

const STATUS: Partial<Record<ErrorCode, number>> = {
  KEDGE_LOGS_UNAUTHORIZED: 401,
  KEDGE_LOGS_BAD_REQUEST: 400,
  KEDGE_LOGS_POD_NOT_FOUND: 404,
  KEDGE_LOGS_CONTAINER_NOT_FOUND: 404,
  KEDGE_LOGS_NOT_FOUND: 404,
  KEDGE_LOGS_FORBIDDEN: 403,
  KEDGE_LOGS_POD_NOT_BOUND: 409,
  KEDGE_LOGS_NODE_UNREACHABLE: 503,
  KEDGE_LOGS_SLOW_READER: 503,
};

export class LogsEndpoint {
  readonly #o: LogsEndpointOptions;
  readonly #log: Logger;
  readonly #token = randomBytes(32).toString('base64url');
  #server: Server | undefined;

  constructor(o: LogsEndpointOptions) {
    this.#o = o;
    this.#log = o.log.child({ module: 'logs-endpoint' });
  }

  /** Listens and publishes the address; resolves with the URL. */
  async start(): Promise<string> {
    const server = createServer((req, res) => {
      this.#serve(req, res).catch((err: unknown) => {
        this.#log.error({ err: errorMessage(err) }, 'logs request failed');
        res.destroy();
      });
    });
    this.#server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.#o.port, this.#o.address, () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    const host = this.#o.address.includes(':') ? `[${this.#o.address}]` : this.#o.address;
    const url = `http://${host}:${port}`;
    try {
      await publishLogsEndpoint(this.#o.store, this.#o.replicaId, { url, token: this.#token });
      this.#log.info({ url }, 'logs endpoint listening');
    } catch (err: unknown) {
      // e.g. no RBAC for Secrets in cluster mode: the endpoint serves, kedgectl cannot find it
      this.#log.warn(
        { url, err: errorMessage(err) },
        'logs endpoint not published: kedgectl logs cannot reach it',
      );
    }
    return url;
  }

  async stop(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = undefined;
    await withdrawLogsEndpoint(this.#o.store, this.#o.replicaId).catch((err: unknown) => {
      this.#log.warn({ err: errorMessage(err) }, 'could not withdraw the logs endpoint from the store');
    });
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  #authorized(req: IncomingMessage): boolean {
    const given = Buffer.from(/^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '');
    const expected = Buffer.from(this.#token);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  async #serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const stop = new AbortController();
    res.on('close', () => stop.abort());
    let query: LogsQuery;
    let node: string;
    try {
      if (!this.#authorized(req)) {
        throw new KedgeError('KEDGE_LOGS_UNAUTHORIZED', 'missing or wrong bearer token');
      }
      query = parseLogsQuery(req.method, req.url);
      const pod = await this.#o.store.get('Pod', query.pod, query.namespace);
      const target = logsTarget(pod, query, query.container);
      node = target.node;
      query = { ...query, container: target.container };
      if (!this.#o.isConnected(node)) {
        throw new KedgeError(
          'KEDGE_LOGS_NODE_UNREACHABLE',
          `node ${node} is offline (not connected to cloudcore)`,
          {
            node,
          },
        );
      }
      watchPodGone(this.#o.store, query, pod, stop, this.#log);
    } catch (err: unknown) {
      this.#fail(res, err);
      return;
    }
    const { namespace, pod, container, follow, tailLines } = query;
    const context = { node, resource: `pods/${namespace}/${pod}`, container, follow };
    this.#log.info(context, 'logs stream opened');
    const chunks = this.#o.relay.open(
      node,
      { namespace, pod, container, follow, ...(tailLines !== undefined ? { tailLines } : {}) },
      stop.signal,
    );
    try {
      for await (const chunk of chunks) {
        if (!res.headersSent) {
          res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', trailer: 'X-Kedge-Error' });
        }
        // a reader slower than the node: stop draining the relay, whose bound then cuts it off
        if (!res.write(chunk)) await drained(res, stop.signal);
      }
      if (!res.headersSent) res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
      res.end();
    } catch (err: unknown) {
      this.#log.info({ ...context, err: errorMessage(err) }, 'logs stream failed');
      if (!res.headersSent) {
        this.#fail(res, err);
        return;
      }
      res.addTrailers({ 'X-Kedge-Error': JSON.stringify(errorBody(err)) });
      res.end();
    } finally {
      stop.abort();
    }
  }

  #fail(res: ServerResponse, err: unknown): void {
    const status = STATUS[errorCodeOf(err) as ErrorCode] ?? 500;
    if (status === 500) this.#log.error({ err: errorMessage(err) }, 'logs request failed');
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(errorBody(err)));
  }
}

/** Resolves when `res` can take more, or the request ends. */
function drained(res: ServerResponse, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    res.on('drain', done);
    signal.addEventListener('abort', done, { once: true });
  });
}

function errorBody(err: unknown): { code: string; message: string } {
  return { code: errorCodeOf(err), message: errorMessage(err) };
}
