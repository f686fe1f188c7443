// A tiny method + path router for metaServer. Patterns are `/`-separated
// literals and `{param}` placeholders; when several patterns match a path the
// one with more literal segments wins, so `/api/v1/nodes/{name}` beats
// `/api/v1/{plural}/{name}` whatever the order they were added in.
import type { IncomingHttpHeaders } from 'node:http';
import { KedgeError } from '@kedge/api';

export interface RouteRequest {
  method: string;
  path: string;
  params: Readonly<Record<string, string>>;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** Parsed JSON body; undefined when the request has none. */
  body: unknown;
  /** Throws KEDGE_METASERVER_UNAUTHORIZED unless the request carries the metaServer token; `what` names the need. */
  requireToken(what: string): void;
}

export interface RouteOptions {
  /** Only requests with the metaServer bearer token reach the handler. */
  auth?: boolean;
}

export interface RouteResponse {
  status: number;
  /** Sent as JSON; omitted = empty body. */
  body?: unknown;
  headers?: Record<string, string>;
}

export type RouteHandler = (req: RouteRequest, signal: AbortSignal) => RouteResponse | Promise<RouteResponse>;

interface Route {
  method: string;
  pattern: string;
  segments: string[];
  literals: number;
  handler: RouteHandler;
  auth: boolean;
}

export type RouteMatch =
  | { kind: 'found'; handler: RouteHandler; params: Record<string, string>; auth: boolean }
  | { kind: 'method-not-allowed'; allowed: string[] }
  | { kind: 'not-found' }
  | { kind: 'bad-path'; problem: string };

export class Router {
  readonly #routes: Route[] = [];

  add(method: string, pattern: string, handler: RouteHandler, options: RouteOptions = {}): void {
    const m = method.toUpperCase();
    if (!pattern.startsWith('/')) {
      throw new KedgeError('KEDGE_INTERNAL', `route ${m} ${pattern}: the path must start with "/"`);
    }
    if (this.#routes.some((r) => r.method === m && r.pattern === pattern)) {
      throw new KedgeError('KEDGE_INTERNAL', `route ${m} ${pattern} is already registered`);
    }
    const segments = split(pattern);
    const literals = segments.filter((s) => !isParam(s)).length;
    this.#routes.push({ method: m, pattern, segments, literals, handler, auth: options.auth ?? false });
    this.#routes.sort((a, b) => b.literals - a.literals);
  }

  match(method: string, path: string): RouteMatch {
    const want = method.toUpperCase() === 'HEAD' ? 'GET' : method.toUpperCase();
    let parts: string[];
    try {
      parts = split(path).map((p) => decodeURIComponent(p));
    } catch {
      return { kind: 'bad-path', problem: `path ${path}: invalid percent-encoding` };
    }
    const allowed = new Set<string>();
    for (const route of this.#routes) {
      const params = bind(route.segments, parts);
      if (!params) continue;
      if (route.method === want) return { kind: 'found', handler: route.handler, params, auth: route.auth };
      allowed.add(route.method);
    }
    return allowed.size > 0 ? { kind: 'method-not-allowed', allowed: [...allowed] } : { kind: 'not-found' };
  }
}

function split(path: string): string[] {
  return path.split('/').filter((s) => s.length > 0);
}

function isParam(segment: string): boolean {
  return segment.startsWith('{') && segment.endsWith('}');
}

function bind(segments: string[], parts: string[]): Record<string, string> | undefined {
  if (segments.length !== parts.length) return undefined;
  const params: Record<string, string> = {};
  for (const [i, seg] of segments.entries()) {
    const part = parts[i] as string;
    if (isParam(seg)) params[seg.slice(1, -1)] = part;
    else if (seg !== part) return undefined;
  }
  return params;
}
