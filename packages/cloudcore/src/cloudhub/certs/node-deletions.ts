// Tells when a Node is deleted, keeping only the names of the Nodes (not a
// copy of each, as an informer would: at 10,000 nodes that copy is tens of
// MiB for one bit of information). List, then watch from the list's version;
// a watch too old to resume relists and reports the names that went away
// meanwhile; any other failure retries with backoff until the signal aborts.
import { errorMessage, hasCode } from '@kedge/api';
import { Backoff, type Clock, type Logger } from '@kedge/runtime';
import type { ResourceStore } from '@kedge/store';

export async function watchNodeDeletions(
  store: ResourceStore,
  o: { log: Logger; clock: Clock; signal: AbortSignal; onDeleted: (node: string) => void },
): Promise<void> {
  const names = new Set<string>();
  const relist = async (): Promise<string> => {
    const { items, resourceVersion } = await store.list('Node');
    const now = new Set(items.map((n) => n.metadata.name));
    for (const gone of [...names].filter((n) => !now.has(n))) {
      names.delete(gone);
      o.onDeleted(gone);
    }
    for (const n of now) names.add(n);
    return resourceVersion;
  };
  let version = await relist();
  const backoff = new Backoff({ initialMs: 200, maxMs: 30_000 });
  void (async () => {
    while (!o.signal.aborted) {
      try {
        for await (const e of store.watch('Node', { resourceVersion: version, signal: o.signal })) {
          const name = e.object.metadata.name;
          version = e.object.metadata.resourceVersion ?? version;
          if (e.type === 'DELETED') {
            if (names.delete(name)) o.onDeleted(name);
          } else names.add(name);
          backoff.reset();
        }
      } catch (err: unknown) {
        if (o.signal.aborted) return;
        if (hasCode(err, 'KEDGE_STORE_EXPIRED')) {
          version = await relist().catch(() => version);
          continue;
        }
        o.log.warn({ err: errorMessage(err) }, 'Node deletion watch failed; retrying');
        await o.clock.sleep(backoff.next(), o.signal).catch(() => undefined);
      }
    }
  })();
}
