// Ends a logs follow when its pod goes: deleted, or replaced by another pod
// of the same name (another uid). Runs until `stop` aborts.
import { errorMessage } from '@kedge/api';
import type { Pod } from '@kedge/api';
import type { Logger } from '@kedge/runtime';
import type { ResourceStore } from '@kedge/store';

export function watchPodGone(
  store: ResourceStore,
  ref: { namespace: string; pod: string },
  pod: Pod | undefined,
  stop: AbortController,
  log: Logger,
): void {
  const uid = pod?.metadata.uid;
  const from = pod?.metadata.resourceVersion;
  const run = async (): Promise<void> => {
    const events = store.watch('Pod', {
      namespace: ref.namespace,
      signal: stop.signal,
      ...(from !== undefined ? { resourceVersion: from } : {}),
    });
    for await (const event of events) {
      if (event.object.metadata.name !== ref.pod) continue;
      if (event.type === 'DELETED' || event.object.metadata.uid !== uid) {
        log.info({ resource: `pods/${ref.namespace}/${ref.pod}` }, 'pod gone: logs stream ends');
        stop.abort();
        return;
      }
    }
  };
  run().catch((err: unknown) => {
    if (stop.signal.aborted) return;
    log.warn({ err: errorMessage(err), resource: `pods/${ref.namespace}/${ref.pod}` }, 'pod watch ended');
  });
}
