// A local cache of one kind kept current from any ResourceStore: list, then
// watch from the list's version. When the watch is too old (EXPIRED) it
// relists and emits the differences as events, so a consumer never misses a
// change, only sees it coalesced. Any other failure is logged and retried
// with backoff until the signal aborts.
import { errorMessage, hasCode, KedgeError, kinds, type KindName, type ResourceOf } from '@kedge/api';
import { Backoff, createLogger, systemClock, type Clock, type Logger } from '@kedge/runtime';
import type { ResourceStore, WatchEvent } from './resource-store.ts';

export interface InformerOptions<K extends KindName> {
  labelSelector?: string;
  namespace?: string;
  signal: AbortSignal;
  log?: Logger;
  clock?: Clock;
  /** Called after the cache applied the event; a relist emits synthetic ADDED/MODIFIED/DELETED. */
  onEvent?: (e: WatchEvent<K>) => void;
}

export interface Informer<K extends KindName> {
  /** Resolves after the first list is in the cache; rejects if the signal aborts first. */
  synced: Promise<void>;
  get(name: string, namespace?: string): ResourceOf<K> | undefined;
  list(): ResourceOf<K>[];
}

interface Meta {
  name: string;
  namespace?: string;
  resourceVersion?: string;
}

function metaOf(obj: unknown): Meta {
  return (obj as { metadata: Meta }).metadata;
}

function keyOf(obj: unknown): string {
  const m = metaOf(obj);
  return m.namespace ? `${m.namespace}/${m.name}` : m.name;
}

export function createInformer<K extends KindName>(
  store: ResourceStore,
  kind: K,
  options: InformerOptions<K>,
): Informer<K> {
  const { signal } = options;
  const clock = options.clock ?? systemClock;
  const log = (options.log ?? createLogger({ name: 'kedge-store' })).child({
    module: 'informer',
    resource: kind,
  });
  const backoff = new Backoff({ initialMs: 200, maxMs: 30_000 });
  const cache = new Map<string, ResourceOf<K>>();
  const namespaced = kinds[kind].scope === 'Namespaced';
  let markSynced: () => void = () => undefined;
  let failSync: (err: unknown) => void = () => undefined;
  const synced = new Promise<void>((resolve, reject) => {
    markSynced = resolve;
    failSync = reject;
  });
  synced.catch(() => undefined); // callers that await it still see the rejection

  const emit = (e: WatchEvent<K>): void => {
    if (!options.onEvent) return;
    try {
      options.onEvent(e);
    } catch (err: unknown) {
      log.error(
        { err, type: e.type, name: keyOf(e.object) },
        `informer handler failed: ${errorMessage(err)}`,
      );
    }
  };

  const apply = (e: WatchEvent<K>): void => {
    if (e.type === 'DELETED') cache.delete(keyOf(e.object));
    else cache.set(keyOf(e.object), e.object);
    emit(e);
  };

  /** Lists, replaces the cache and emits what changed; returns the list's version. */
  const relist = async (): Promise<string> => {
    const listed = await store.list(kind, {
      labelSelector: options.labelSelector,
      namespace: options.namespace,
    });
    const seen = new Set<string>();
    for (const object of listed.items) {
      const key = keyOf(object);
      seen.add(key);
      const old = cache.get(key);
      if (!old) apply({ type: 'ADDED', object });
      else if (metaOf(old).resourceVersion !== metaOf(object).resourceVersion)
        apply({ type: 'MODIFIED', object });
    }
    for (const [key, object] of [...cache]) {
      if (!seen.has(key)) apply({ type: 'DELETED', object });
    }
    return listed.resourceVersion;
  };

  const run = async (): Promise<void> => {
    let version: string | undefined;
    while (!signal.aborted) {
      try {
        if (version === undefined) {
          version = await relist();
          markSynced();
        }
        const events = store.watch(kind, {
          resourceVersion: version,
          labelSelector: options.labelSelector,
          namespace: options.namespace,
          signal,
        });
        for await (const e of events) {
          apply(e);
          version = metaOf(e.object).resourceVersion ?? version;
          backoff.reset();
        }
        if (signal.aborted) break;
        throw new KedgeError(
          'KEDGE_STORE_UNAVAILABLE',
          `watch of ${kind} ended before the informer stopped`,
          {
            resource: kind,
          },
        );
      } catch (err: unknown) {
        if (signal.aborted) break;
        if (hasCode(err, 'KEDGE_STORE_EXPIRED')) {
          log.info({ resourceVersion: version }, `watch expired, relisting: ${errorMessage(err)}`);
          version = undefined;
          continue;
        }
        const delayMs = backoff.next();
        log.warn(
          { err, delayMs, attempt: backoff.attempt },
          `${kind} informer failed, retrying: ${errorMessage(err)}`,
        );
        try {
          await clock.sleep(delayMs, signal);
        } catch {
          break;
        }
      }
    }
    failSync(signal.reason);
  };

  run().catch((err: unknown) => {
    log.error({ err }, `${kind} informer stopped: ${errorMessage(err)}`);
    failSync(err);
  });

  return {
    synced,
    get(name: string, namespace?: string): ResourceOf<K> | undefined {
      return cache.get(namespaced ? `${namespace ?? 'default'}/${name}` : name);
    },
    list(): ResourceOf<K>[] {
      return [...cache.values()];
    },
  };
}
