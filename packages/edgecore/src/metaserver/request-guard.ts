// What every metaServer request must pass before a route sees it. metaServer
// listens on loopback, but "local" is not "trusted": a web page in a browser
// on the node can send requests there (cross-origin POSTs with a text/plain
// body need no preflight) and a DNS-rebinding page can even read the answers
// under its own host name. So: the Host header must name this server on a
// loopback name, a browser request from another origin is refused, a write
// must be `application/json` (which a page cannot send cross-origin without a
// preflight that metaServer never answers), and the routes that confirm
// upgrades or hand out Secrets need the bearer token from the token file.
import type { IncomingHttpHeaders } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { KedgeError } from '@kedge/api';

const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'];
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The HTTP status each guard code is answered with. */
export const GUARD_STATUS = {
  KEDGE_METASERVER_HOST_FORBIDDEN: 403,
  KEDGE_METASERVER_ORIGIN_FORBIDDEN: 403,
  KEDGE_METASERVER_UNSUPPORTED_MEDIA_TYPE: 415,
  KEDGE_METASERVER_UNAUTHORIZED: 401,
} as const;

/** `host:port` values this server answers to: loopback names with its own port, and the configured host. */
export function allowedHosts(listenHost: string, port: number): Set<string> {
  const host = listenHost.includes(':') ? `[${listenHost}]` : listenHost;
  return new Set([...LOOPBACK_NAMES, host].map((h) => `${h.toLowerCase()}:${port}`));
}

/** Refuses a request whose Host or Origin is not this server's. */
export function checkRequest(headers: IncomingHttpHeaders, hosts: ReadonlySet<string>): void {
  const host = (headers.host ?? '').toLowerCase();
  if (!hosts.has(host)) {
    throw new KedgeError(
      'KEDGE_METASERVER_HOST_FORBIDDEN',
      `Host "${clip(headers.host ?? '')}" is not this metaServer; use one of ${[...hosts].join(', ')}`,
      { fields: ['Host'] },
    );
  }
  const origin = headers.origin;
  if (origin !== undefined && !hosts.has(originHost(origin))) {
    throw new KedgeError(
      'KEDGE_METASERVER_ORIGIN_FORBIDDEN',
      `Origin "${clip(origin)}" may not call metaServer: requests from web pages of other origins are refused`,
      { fields: ['Origin'] },
    );
  }
}

/** Refuses a write (any method but GET/HEAD/OPTIONS) that is not `application/json`. */
export function checkWriteContentType(method: string, headers: IncomingHttpHeaders): void {
  if (!SAFE_METHODS.has(method) && mediaType(headers['content-type']) !== 'application/json') {
    throw new KedgeError(
      'KEDGE_METASERVER_UNSUPPORTED_MEDIA_TYPE',
      `${method} needs "Content-Type: application/json", not "${clip(headers['content-type'] ?? '(none)')}"`,
      { fields: ['Content-Type'] },
    );
  }
}

/** Refuses a request without `Authorization: Bearer <token>` for the current token. */
export function checkBearer(headers: IncomingHttpHeaders, token: string | undefined, what: string): void {
  const given = /^Bearer\s+(\S+)\s*$/i.exec(headers.authorization ?? '')?.[1];
  if (token !== undefined && given !== undefined && sameSecret(given, token)) return;
  const why =
    token === undefined
      ? 'this metaServer has no token file, so nothing can be authenticated'
      : given === undefined
        ? 'no "Authorization: Bearer <token>" header'
        : 'the bearer token is not the current one (edgecore writes a new one at every start)';
  throw new KedgeError(
    'KEDGE_METASERVER_UNAUTHORIZED',
    `${what} needs the metaServer token (root-only file, see docs/configuration.md): ${why}`,
    { fields: ['Authorization'] },
  );
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function originHost(origin: string): string {
  try {
    const url = new URL(origin);
    return url.protocol === 'http:' ? url.host.toLowerCase() : '';
  } catch {
    return ''; // "null" (sandboxed or file: pages) and garbage are other origins
  }
}

function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

/** Header values are echoed in messages; keep them short and printable. */
function clip(value: string): string {
  const printable = value.replace(/[^\x20-\x7e]/g, '?');
  return printable.length > 80 ? `${printable.slice(0, 80)}...` : printable;
}
