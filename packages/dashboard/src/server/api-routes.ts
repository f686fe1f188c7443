// The BFF's JSON API under /api/v1: reads come from the informer caches (no
// store round trip per request), the one write (confirm) goes through the
// store with mutate().
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CONFIRM_ANNOTATION, confirmedNodes, KedgeError } from '@kedge/api';
import { mutate, type ResourceStore } from '@kedge/store';
import type { ChangeFeed } from './change-feed.ts';
import { badRequest, readJsonBody, sendJson } from './http-util.ts';
import { listPage } from './list-query.ts';
import { isJobKind, JOB_KINDS, jobDetail, jobItem, nodeItem, type JobKind } from './views.ts';

const NODE_FIELDS = ['name', 'ready', 'reason', 'version', 'owner', 'lastHeartbeat', 'created'] as const;
const JOB_FIELDS = ['kind', 'name', 'phase', 'progress', 'reason', 'created', 'nodes'] as const;

export interface ApiContext {
  store: ResourceStore;
  feed: ChangeFeed;
}

function notAllowed(method: string, path: string, allowed: string): KedgeError {
  return new KedgeError(
    'KEDGE_HTTP_METHOD_NOT_ALLOWED',
    `${method} ${path}: method not allowed (use ${allowed})`,
    {
      allowed,
    },
  );
}

function requireMethod(req: IncomingMessage, path: string, allowed: 'GET' | 'POST'): void {
  const method = req.method ?? 'GET';
  if (method === allowed || (allowed === 'GET' && method === 'HEAD')) return;
  throw notAllowed(method, path, allowed);
}

function jobOf(ctx: ApiContext, kindText: string, name: string) {
  if (!isJobKind(kindText)) {
    throw badRequest(`kind: unknown job kind "${kindText}" (one of ${JOB_KINDS.join(', ')})`, ['kind']);
  }
  const job = ctx.feed.jobs[kindText].get(name);
  if (!job) {
    throw new KedgeError('KEDGE_STORE_NOT_FOUND', `${kindText} "${name}" not found`, {
      resource: `${kindText}/${name}`,
    });
  }
  return { kind: kindText, job };
}

/** Parses `{nodes: string[] | "*"}`. */
function parseConfirmBody(body: unknown): string[] | '*' {
  const nodes = (body as { nodes?: unknown } | null)?.nodes;
  if (nodes === '*') return '*';
  if (Array.isArray(nodes) && nodes.length > 0 && nodes.every((n) => typeof n === 'string' && n !== '')) {
    return nodes as string[];
  }
  throw badRequest('nodes: must be "*" or a non-empty list of node names', ['nodes']);
}

async function confirm(ctx: ApiContext, kind: JobKind, name: string, req: IncomingMessage) {
  if (kind !== 'NodeUpgradeJob') {
    throw badRequest(`kind: only NodeUpgradeJob waits for confirmation, not ${kind}`, ['kind']);
  }
  const nodes = parseConfirmBody(await readJsonBody(req));
  const stored = await mutate(ctx.store, 'NodeUpgradeJob', name, (job) => {
    const targets = new Set((job.status?.nodeStatus ?? []).map((e) => e.nodeName));
    if (nodes !== '*') {
      const unknown = nodes.filter((n) => !targets.has(n));
      if (unknown.length > 0) {
        throw badRequest(`nodes: ${unknown.join(', ')} not part of NodeUpgradeJob "${name}"`, ['nodes']);
      }
    }
    const already = confirmedNodes(job);
    let value: string;
    if (nodes === '*' || already === '*') value = '*';
    else value = [...new Set([...already, ...nodes])].join(',');
    if (job.metadata.annotations?.[CONFIRM_ANNOTATION] === value) return undefined;
    job.metadata.annotations = { ...job.metadata.annotations, [CONFIRM_ANNOTATION]: value };
    return job;
  });
  if (!stored) {
    throw new KedgeError('KEDGE_STORE_NOT_FOUND', `NodeUpgradeJob "${name}" not found`, {
      resource: `NodeUpgradeJob/${name}`,
    });
  }
  return jobDetail('NodeUpgradeJob', stored);
}

/** One percent-decoded path segment; a malformed escape (`%ZZ`) is the client's error, not ours. */
function decodePathSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw badRequest(`path: segment ${JSON.stringify(segment.slice(0, 100))} has a malformed percent-escape`);
  }
}

/** Handles a request under /api/v1; false when the path is not an API route. */
export async function handleApi(
  ctx: ApiContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<boolean> {
  const path = url.pathname;
  if (path !== '/api/v1' && !path.startsWith('/api/v1/')) return false;
  const parts = path
    .slice('/api/v1/'.length)
    .split('/')
    .filter((p) => p !== '')
    .map(decodePathSegment);
  const [head, kind, name, action, ...rest] = parts;
  if (head === 'nodes' && parts.length === 1) {
    requireMethod(req, path, 'GET');
    const items = ctx.feed.nodes
      .list()
      .map(nodeItem)
      .sort((a, b) => a.name.localeCompare(b.name));
    sendJson(res, 200, listPage(items, url.searchParams, NODE_FIELDS));
  } else if (head === 'jobs' && parts.length === 1) {
    requireMethod(req, path, 'GET');
    const items = JOB_KINDS.flatMap((k) => ctx.feed.jobs[k].list().map((j) => jobItem(k, j))).sort(
      (a, b) => b.created.localeCompare(a.created) || a.name.localeCompare(b.name),
    );
    sendJson(res, 200, listPage(items, url.searchParams, JOB_FIELDS));
  } else if (head === 'jobs' && kind !== undefined && name !== undefined && action === undefined) {
    requireMethod(req, path, 'GET');
    const found = jobOf(ctx, kind, name);
    sendJson(res, 200, jobDetail(found.kind, found.job));
  } else if (
    head === 'jobs' &&
    kind !== undefined &&
    name !== undefined &&
    action === 'confirm' &&
    rest.length === 0
  ) {
    requireMethod(req, path, 'POST');
    const found = jobOf(ctx, kind, name);
    sendJson(res, 200, await confirm(ctx, found.kind, name, req));
  } else if (head === 'events' && parts.length === 1) {
    requireMethod(req, path, 'GET');
    ctx.feed.subscribe(res);
  } else {
    throw new KedgeError('KEDGE_HTTP_NOT_FOUND', `${path}: no such API route`, {});
  }
  return true;
}
