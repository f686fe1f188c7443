// watch() for the SQLite backend: follows the change log by polling it, so
// writes from every process sharing the file are seen, in revision order.
// A watch is only a cursor (the last revision it handed out); nothing is
// buffered per watcher, so a slow consumer just reads further back in the log.
import { KedgeError, kinds, type KindName } from '@kedge/api';
import type { Clock } from '@kedge/runtime';
import { matchesLabelSelector, parseLabelSelector, type LabelSelectorRequirement } from './label-selector.ts';
import type { StoredObject } from './object-ref.ts';
import type { WatchEvent, WatchOptions } from './resource-store.ts';
import type { ChangeRow } from './sqlite-statements.ts';

export interface ChangeBatch {
  /** The store's revision when the batch was read. */
  head: number;
  /** Changes up to this revision were trimmed from the log. */
  compacted: number;
  /** Changes after the cursor up to head (at most `limit`), oldest first. */
  rows: ChangeRow[];
}

/** What a watch needs from the store it follows. */
export interface ChangeSource {
  /** Aborts when the store closes. */
  readonly closed: AbortSignal;
  head(): number;
  readChanges(kind: KindName, after: number, namespace: string | undefined, limit: number): ChangeBatch;
}

export interface WatchTiming {
  clock: Clock;
  pollIntervalMs: number;
}

const BATCH = 1000;

function expired(kind: KindName, after: number, why: string): KedgeError {
  return new KedgeError(
    'KEDGE_STORE_EXPIRED',
    `watch ${kind} from resourceVersion ${after}: ${why}; relist`,
    {
      resource: kind,
      resourceVersion: String(after),
    },
  );
}

function startRevision(kind: KindName, resourceVersion: string): number {
  if (!/^\d{1,15}$/.test(resourceVersion)) {
    throw new KedgeError(
      'KEDGE_RESOURCE_INVALID',
      `watch ${kind}: resourceVersion: "${resourceVersion}" is not a version this store handed out`,
      { resource: kind, fields: ['resourceVersion'] },
    );
  }
  return Number(resourceVersion);
}

function watchNamespace(kind: KindName, namespace: string | undefined): string | undefined {
  if (!namespace) return undefined;
  if (kinds[kind].scope === 'Cluster') {
    throw new KedgeError('KEDGE_RESOURCE_INVALID', `watch ${kind}: namespace: ${kind} is cluster-scoped`, {
      resource: kind,
      fields: ['namespace'],
    });
  }
  return namespace;
}

/**
 * The event a watcher with `reqs` sees for a change: as in Kubernetes, an
 * object that stops matching is DELETED for it and one that starts matching
 * is ADDED.
 */
function eventFor(row: ChangeRow, reqs: LabelSelectorRequirement[]): WatchEvent<KindName> | undefined {
  const object = JSON.parse(row.body) as StoredObject;
  const event = { type: row.type, object } as unknown as WatchEvent<KindName>;
  if (reqs.length === 0) return event;
  const now = matchesLabelSelector(reqs, object.metadata.labels);
  const before =
    row.prev_labels !== null &&
    matchesLabelSelector(reqs, JSON.parse(row.prev_labels) as Record<string, string>);
  switch (row.type) {
    case 'ADDED':
      return now ? event : undefined;
    case 'DELETED':
      return before ? event : undefined;
    case 'MODIFIED':
      if (now && before) return event;
      if (now) return { ...event, type: 'ADDED' };
      if (before) return { ...event, type: 'DELETED' };
      return undefined;
  }
}

async function pause(timing: WatchTiming, signal: AbortSignal): Promise<boolean> {
  try {
    await timing.clock.sleep(timing.pollIntervalMs, signal);
    return true;
  } catch (err: unknown) {
    if (signal.aborted) return false;
    throw err;
  }
}

export async function* watchChanges<K extends KindName>(
  source: ChangeSource,
  kind: K,
  options: WatchOptions,
  timing: WatchTiming,
): AsyncGenerator<WatchEvent<K>, void, undefined> {
  const signal = AbortSignal.any([options.signal, source.closed]);
  const reqs = options.labelSelector ? parseLabelSelector(options.labelSelector) : [];
  const namespace = watchNamespace(kind, options.namespace);
  if (signal.aborted) return;
  let after =
    options.resourceVersion === undefined ? source.head() : startRevision(kind, options.resourceVersion);
  for (;;) {
    const batch = source.readChanges(kind, after, namespace, BATCH);
    if (batch.compacted > after)
      throw expired(kind, after, `the change log now starts after ${batch.compacted}`);
    if (after > batch.head) throw expired(kind, after, `the store is only at ${batch.head} (was it reset?)`);
    for (const row of batch.rows) {
      const event = eventFor(row, reqs);
      if (!event) continue;
      yield event as WatchEvent<K>;
      if (signal.aborted) return;
    }
    const full = batch.rows.length === BATCH;
    after = full ? (batch.rows[BATCH - 1]?.revision ?? batch.head) : batch.head;
    if (!full && !(await pause(timing, signal))) return;
    if (signal.aborted) return;
  }
}
