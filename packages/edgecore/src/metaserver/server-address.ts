// Parses metaServer's `server: "127.0.0.1:10550"` setting. metaServer has no
// authentication, so it may only listen on a loopback address.
import { isIP } from 'node:net';
import { KedgeError } from '@kedge/api';

export const META_SERVER_FIELD = 'modules.metaManager.metaServer.server';

export interface ServerAddress {
  host: string;
  port: number;
}

export function parseServerAddress(server: string): ServerAddress {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(server.trim());
  if (!m) throw invalid(`"${server}" is not host:port`);
  const host = (m[1] ?? m[2] ?? '').toLowerCase();
  const port = Number(m[3]);
  if (port > 65535) throw invalid(`port ${port} is out of range (0-65535)`);
  if (!isLoopback(host)) {
    throw invalid(
      `"${host}" is not a loopback address; metaServer has no authentication and listens on 127.0.0.1 only`,
    );
  }
  return { host, port };
}

function isLoopback(host: string): boolean {
  if (host === 'localhost' || host === '::1') return true;
  return isIP(host) === 4 && host.startsWith('127.');
}

function invalid(problem: string): KedgeError {
  return new KedgeError('KEDGE_CONFIG_INVALID', `${META_SERVER_FIELD}: ${problem}`, {
    fields: [META_SERVER_FIELD],
  });
}
