// The dashboard's Backend-for-Frontend: one node:http server that serves the
// web UI's static files at / and the JSON + SSE API at /api/v1, reading from
// informer caches over any ResourceStore.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { errorMessage, KedgeError } from '@kedge/api';
import type { Logger } from '@kedge/runtime';
import type { ResourceStore } from '@kedge/store';
import { handleApi, type ApiContext } from './api-routes.ts';
import { ChangeFeed } from './change-feed.ts';
import { sendError } from './http-util.ts';
import { checkHost, checkWrite, isWrite, type HostPolicy } from './request-guard.ts';
import { StaticFiles } from './static-files.ts';

export interface DashboardOptions {
  store: ResourceStore;
  /** Default 127.0.0.1. */
  host?: string;
  /** 0 (default) = a free port. */
  port?: number;
  log: Logger;
  /** Shortest time between two SSE `change` events (default 250 ms). */
  coalesceMs?: number;
  /** Host names besides the bound address and localhost that the dashboard answers to (DNS-rebinding guard). */
  allowedHosts?: readonly string[];
}

export interface Dashboard {
  /** `http://host:port` */
  url: string;
  stop(): Promise<void>;
}

const WEB_DIR = fileURLToPath(new URL('../web/', import.meta.url));

export async function startDashboard(options: DashboardOptions): Promise<Dashboard> {
  const host = options.host ?? '127.0.0.1';
  const log = options.log.child({ module: 'dashboard' });
  const abort = new AbortController();
  const feed = new ChangeFeed({
    store: options.store,
    log,
    signal: abort.signal,
    ...(options.coalesceMs !== undefined ? { coalesceMs: options.coalesceMs } : {}),
  });
  const files = new StaticFiles(WEB_DIR);
  const ctx: ApiContext = { store: options.store, feed };

  const policy: HostPolicy = {
    boundHost: host,
    port: 0,
    allowedHosts: (options.allowedHosts ?? []).map((h) => h.toLowerCase()),
  };
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://dashboard.invalid');
    try {
      checkHost(req, policy);
      if (isWrite(req)) checkWrite(req, policy);
      if (await handleApi(ctx, req, res, url)) return;
      const method = req.method ?? 'GET';
      if (method !== 'GET' && method !== 'HEAD') {
        throw new KedgeError(
          'KEDGE_HTTP_METHOD_NOT_ALLOWED',
          `${method} ${url.pathname}: method not allowed (use GET)`,
        );
      }
      if (!files.serve(url.pathname, res, method === 'HEAD')) {
        throw new KedgeError('KEDGE_HTTP_NOT_FOUND', `${url.pathname}: not found`);
      }
    } catch (err: unknown) {
      const status = sendError(res, err);
      if (status >= 500) log.error({ err, path: url.pathname }, 'dashboard request failed');
      else if (status === 403)
        log.warn({ path: url.pathname, status, reason: errorMessage(err) }, 'dashboard request refused');
      else log.debug({ path: url.pathname, status, reason: errorMessage(err) }, 'dashboard request refused');
    }
  };
  const server = createServer((req, res) => void handle(req, res));

  try {
    await feed.synced;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err: unknown) {
    abort.abort();
    feed.close();
    throw new KedgeError(
      'KEDGE_LISTEN_FAILED',
      `dashboard cannot listen on ${host}:${options.port ?? 0}: ${errorMessage(err)}`,
      { address: `${host}:${options.port ?? 0}` },
      { cause: err },
    );
  }
  const { port } = server.address() as AddressInfo;
  policy.port = port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  log.info({ url }, 'dashboard listening');

  let stopped: Promise<void> | undefined;
  return {
    url,
    stop: () => {
      stopped ??= (async () => {
        abort.abort();
        feed.close();
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      })();
      return stopped;
    },
  };
}
