// A Kubernetes watch as the ResourceStore's async iterator. It asks the
// server to end each watch after `timeoutSeconds` and then re-watches from
// the last version it saw (bookmarks keep that current), so a long-lived
// watch survives server-side timeouts unseen. Everything else surfaces as an
// error: 410 Gone (as an HTTP status or an ERROR event) is
// KEDGE_STORE_EXPIRED, a broken connection is KEDGE_STORE_UNAVAILABLE, and a
// connection silent for longer than the server's own timeout is declared
// stalled (a dead peer can leave a socket open forever) — never a quiet,
// dead watch.
import type { Readable } from 'node:stream';
import { errorMessage, isKedgeError, KedgeError, type KindName } from '@kedge/api';
import type { Logger } from '@kedge/runtime';
import type { WatchEvent } from '../resource-store.ts';
import { translateError, type KubeOperation } from './kube-errors.ts';
import { fromServer } from './kube-objects.ts';
import { collectionPath } from './kube-paths.ts';
import type { KubeTransport } from './kube-transport.ts';

export interface KubeWatchOptions {
  /** Watch after this version (may still be on its way: "from now" is looked up when watch() is called). */
  from: Promise<string>;
  namespace?: string;
  labelSelector?: string;
  signal: AbortSignal;
  /** Server-side end of each watch request; default 300 s. */
  timeoutSeconds: number;
  log?: Logger;
}

interface RawEvent {
  type?: string;
  object?: { metadata?: { resourceVersion?: string } } & Record<string, unknown>;
}

/** Newline-delimited JSON off a byte stream. */
async function* lines(body: Readable): AsyncGenerator<string> {
  let rest = '';
  for await (const chunk of body as AsyncIterable<Buffer>) {
    rest += chunk.toString('utf8');
    let nl = rest.indexOf('\n');
    while (nl >= 0) {
      const line = rest.slice(0, nl).trim();
      rest = rest.slice(nl + 1);
      if (line !== '') yield line;
      nl = rest.indexOf('\n');
    }
  }
  if (rest.trim() !== '') yield rest.trim();
}

export async function* watchKube<K extends KindName>(
  transport: KubeTransport,
  kind: K,
  o: KubeWatchOptions,
): AsyncGenerator<WatchEvent<K>> {
  const op: KubeOperation = { verb: 'watch', kind, ...(o.namespace ? { namespace: o.namespace } : {}) };
  const stallMs = o.timeoutSeconds * 1000 + 30_000;
  let version: string;
  try {
    version = await o.from;
  } catch (err: unknown) {
    if (o.signal.aborted) return; // the store closed (or the caller stopped) before the watch began
    throw err;
  }
  while (!o.signal.aborted) {
    const request = new AbortController();
    const stop = (): void => request.abort();
    o.signal.addEventListener('abort', stop, { once: true });
    let stalled = false;
    let timer: NodeJS.Timeout | undefined;
    const arm = (): void => {
      clearTimeout(timer);
      // eslint-disable-next-line no-restricted-globals -- a watchdog re-armed on every chunk; the Clock has no re-armable timer
      timer = setTimeout(() => {
        stalled = true;
        request.abort();
      }, stallMs);
    };
    let body: Readable | undefined;
    try {
      arm();
      const opened = await transport.stream({
        method: 'GET',
        path: collectionPath(kind, o.namespace),
        query: {
          watch: 'true',
          resourceVersion: version,
          allowWatchBookmarks: 'true',
          timeoutSeconds: String(o.timeoutSeconds),
          labelSelector: o.labelSelector || undefined,
        },
        signal: request.signal,
      });
      if (!opened.body) throw translateError(op, opened.status, opened.error);
      body = opened.body;
      for await (const line of lines(body)) {
        arm();
        let event: RawEvent;
        try {
          event = JSON.parse(line) as RawEvent;
        } catch (err: unknown) {
          throw new KedgeError(
            'KEDGE_STORE_UNAVAILABLE',
            `watch of ${kind}: malformed event from the API server`,
            {
              resource: kind,
            },
            { cause: err },
          );
        }
        const type = event.type;
        if (type === 'ERROR') {
          const code = typeof event.object?.['code'] === 'number' ? event.object['code'] : 500;
          throw translateError(op, code, event.object);
        }
        const rv = event.object?.metadata?.resourceVersion;
        if (rv) version = rv;
        if (type === 'BOOKMARK') continue;
        if (type === 'ADDED' || type === 'MODIFIED' || type === 'DELETED') {
          clearTimeout(timer); // a slow consumer is not a stalled server
          yield { type, object: fromServer(kind, event.object) };
          arm();
        }
      }
      // The server ended this watch (its timeout): go on from the last version seen.
      o.log?.debug(
        { resource: kind, resourceVersion: version },
        'watch ended by the API server; re-watching',
      );
    } catch (err: unknown) {
      if (o.signal.aborted) return;
      if (stalled) {
        throw new KedgeError(
          'KEDGE_STORE_UNAVAILABLE',
          `watch of ${kind} stalled: nothing from the API server for ${Math.round(stallMs / 1000)} s`,
          { resource: kind },
          { cause: err },
        );
      }
      if (isKedgeError(err)) throw err;
      throw new KedgeError(
        'KEDGE_STORE_UNAVAILABLE',
        `watch of ${kind} broke: ${errorMessage(err)}`,
        { resource: kind },
        { cause: err },
      );
    } finally {
      clearTimeout(timer);
      o.signal.removeEventListener('abort', stop);
      body?.destroy();
    }
  }
}
