// What every dashboard request must show before it is served. Host: the
// address the server is bound to, `localhost`, an IP literal when it listens
// beyond loopback, or a configured name — always with the bound port — so a
// DNS-rebinding page (its Host is its own name) is refused. Writes (any method
// but GET/HEAD): no Origin (a CLI) or the dashboard's own origin, and a JSON
// body, so a page elsewhere can neither post a form nor read the answer.
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import { KedgeError } from '@kedge/api';

export interface HostPolicy {
  /** The address the server listens on (as given to listen). */
  boundHost: string;
  port: number;
  /** Extra names the dashboard is reached by (a reverse proxy's name), lower case. */
  allowedHosts: readonly string[];
}

const LOOPBACK = new Set(['127.0.0.1', '::1']);
const WILDCARD = new Set(['0.0.0.0', '::']);

/** `host[:port]` split, IPv6 brackets removed; undefined when it cannot be a Host value. */
function splitHost(value: string): { name: string; port: number | undefined } | undefined {
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/.exec(value);
  if (!m?.[1]) return undefined;
  const name = m[1].replace(/^\[|\]$/g, '').toLowerCase();
  return { name, port: m[2] === undefined ? undefined : Number(m[2]) };
}

function hostNameAllowed(name: string, policy: HostPolicy): boolean {
  if (name === 'localhost' || name === policy.boundHost.toLowerCase()) return true;
  if (policy.allowedHosts.includes(name)) return true;
  if (isIP(name) === 0) return false;
  // An IP literal cannot be rebound; accept any when the server listens beyond loopback.
  if (WILDCARD.has(policy.boundHost)) return true;
  return LOOPBACK.has(name) && LOOPBACK.has(policy.boundHost);
}

/** Whether `value` (a Host header or an Origin's host) names this dashboard. */
function isOwnHost(value: string, policy: HostPolicy): boolean {
  const host = splitHost(value);
  if (!host || !hostNameAllowed(host.name, policy)) return false;
  return (host.port ?? 80) === policy.port;
}

export function checkHost(req: IncomingMessage, policy: HostPolicy): void {
  const host = req.headers.host ?? '';
  if (!isOwnHost(host, policy)) {
    throw new KedgeError(
      'KEDGE_HTTP_HOST_FORBIDDEN',
      `Host ${JSON.stringify(host.slice(0, 100))} is not this dashboard (use the address it listens on, or add the name to allowedHosts)`,
    );
  }
}

export function isWrite(req: IncomingMessage): boolean {
  const method = req.method ?? 'GET';
  return method !== 'GET' && method !== 'HEAD';
}

/** A write must come from no browser page or from the dashboard's own page, and carry JSON. */
export function checkWrite(req: IncomingMessage, policy: HostPolicy): void {
  const origin = req.headers.origin;
  if (origin !== undefined) {
    let own = false;
    try {
      const u = new URL(origin);
      own = u.protocol === 'http:' && u.pathname === '/' && isOwnHost(u.host, policy);
    } catch {
      own = false;
    }
    if (!own || req.headers['sec-fetch-site'] === 'cross-site') {
      throw new KedgeError(
        'KEDGE_HTTP_ORIGIN_FORBIDDEN',
        `${req.method} from origin ${JSON.stringify(origin.slice(0, 100))} refused: writes are accepted from the dashboard's own page only`,
      );
    }
  }
  const type = req.headers['content-type'] ?? '';
  const hasBody = req.method === 'POST' || req.method === 'PUT' || req.method === 'PATCH';
  if (hasBody && !/^application\/json\s*(;|$)/i.test(type)) {
    throw new KedgeError(
      'KEDGE_HTTP_UNSUPPORTED_MEDIA_TYPE',
      `${req.method}: content-type must be application/json, got ${JSON.stringify(type.slice(0, 100))}`,
    );
  }
}
