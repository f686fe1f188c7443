// Keeps the BFF's cache (one informer per kind the page shows) and tells
// Server-Sent-Event clients what changed. Changes are coalesced: at most one
// `change` event per `coalesceMs`, listing each changed object once, so a job
// whose status is rewritten a hundred times a second costs the browser a few
// re-fetches a second at most.
import type { ServerResponse } from 'node:http';
import { createInformer, type Informer, type ResourceStore } from '@kedge/store';
import { every, systemClock, type Clock, type Logger } from '@kedge/runtime';
import { JOB_KINDS, type JobKind } from './views.ts';

export interface Change {
  kind: 'Node' | JobKind;
  name: string;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
}

export interface ChangeFeedOptions {
  store: ResourceStore;
  log: Logger;
  signal: AbortSignal;
  /** Shortest time between two `change` events (default 250 ms). */
  coalesceMs?: number;
  /** A comment line to every client this often, so proxies keep the stream open (default 15 s). */
  keepaliveMs?: number;
  /** Time source for the keepalive and the coalescing wait (default systemClock). */
  clock?: Clock;
}

export class ChangeFeed {
  readonly nodes: Informer<'Node'>;
  readonly jobs: { [K in JobKind]: Informer<K> };
  readonly synced: Promise<void>;
  #live = false;
  readonly #clients = new Set<ServerResponse>();
  readonly #pending = new Map<string, Change>();
  readonly #coalesceMs: number;
  readonly #log: Logger;
  readonly #clock: Clock;
  /** Aborted by close() or the owner's signal: ends the keepalive loop and a pending flush wait. */
  readonly #closed = new AbortController();
  #flushPending = false;
  #lastFlush = 0;

  constructor(options: ChangeFeedOptions) {
    const { store, signal } = options;
    this.#log = options.log;
    this.#coalesceMs = options.coalesceMs ?? 250;
    this.#clock = options.clock ?? systemClock;
    this.nodes = createInformer(store, 'Node', {
      signal,
      log: options.log,
      onEvent: (e) => this.#note({ kind: 'Node', name: e.object.metadata.name, type: e.type }),
    });
    const job = <K extends JobKind>(kind: K): Informer<K> =>
      createInformer(store, kind, {
        signal,
        log: options.log,
        onEvent: (e) => this.#note({ kind, name: e.object.metadata.name, type: e.type }),
      });
    this.jobs = {
      NodeUpgradeJob: job('NodeUpgradeJob'),
      ImagePrePullJob: job('ImagePrePullJob'),
      ConfigUpdateJob: job('ConfigUpdateJob'),
    };
    this.synced = Promise.all([this.nodes.synced, ...JOB_KINDS.map((k) => this.jobs[k].synced)]).then(
      () => undefined,
    );
    // The informers' initial lists are not changes: clients load the lists themselves.
    this.synced.then(
      () => (this.#live = true),
      () => undefined,
    );
    const stopped = AbortSignal.any([signal, this.#closed.signal]);
    void every(this.#clock, options.keepaliveMs ?? 15_000, stopped, () => {
      for (const res of this.#clients) res.write(': keepalive\n\n');
    });
  }

  /** Turns `res` into an event stream until the client goes away or the feed closes. */
  subscribe(res: ServerResponse): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
    });
    res.write('retry: 2000\n\n');
    res.write('event: ready\ndata: {}\n\n');
    this.#clients.add(res);
    res.on('close', () => this.#clients.delete(res));
  }

  get clientCount(): number {
    return this.#clients.size;
  }

  close(): void {
    this.#closed.abort();
    for (const res of this.#clients) res.end();
    this.#clients.clear();
  }

  #note(change: Change): void {
    if (!this.#live) return;
    this.#pending.set(`${change.kind}/${change.name}`, change);
    if (this.#flushPending || this.#closed.signal.aborted) return;
    this.#flushPending = true;
    const wait = Math.max(0, this.#lastFlush + this.#coalesceMs - this.#clock.now());
    this.#clock.sleep(wait, this.#closed.signal).then(
      () => this.#flush(),
      () => undefined, // closed while waiting: nothing to send to
    );
  }

  #flush(): void {
    this.#flushPending = false;
    this.#lastFlush = this.#clock.now();
    const changes = [...this.#pending.values()];
    this.#pending.clear();
    if (changes.length === 0) return;
    const frame = `event: change\ndata: ${JSON.stringify({ changes })}\n\n`;
    for (const res of this.#clients) res.write(frame);
    this.#log.debug({ changes: changes.length, clients: this.#clients.size }, 'change event sent');
  }
}
