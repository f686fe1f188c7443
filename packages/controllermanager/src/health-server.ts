// GET /healthz (the process serves) and /readyz (its caches are synced and
// its controllers run) on a plain HTTP listener, for probes.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KedgeError, errorMessage } from '@kedge/api';

export interface HealthServer {
  port: number;
  close(): Promise<void>;
}

export async function startHealthServer(
  address: string,
  port: number,
  ready: () => boolean,
): Promise<HealthServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    const ok = path === '/healthz' ? true : path === '/readyz' ? ready() : undefined;
    if (ok === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' }).end(ok ? 'ok\n' : 'not ready\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => {
      reject(
        new KedgeError(
          'KEDGE_LISTEN_FAILED',
          `health.port: cannot listen on ${address}:${port}: ${errorMessage(err)}`,
          { fields: ['health.address', 'health.port'] },
          { cause: err },
        ),
      );
    });
    server.listen(port, address, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
