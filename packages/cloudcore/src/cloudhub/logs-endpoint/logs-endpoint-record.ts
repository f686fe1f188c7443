// Where this replica's logs endpoint is published: one data key (the replica
// id) in the Secret LOGS_ENDPOINTS_SECRET, written with optimistic
// concurrency so replicas starting together keep each other's entries.
import { hasCode, LOGS_ENDPOINTS_SECRET, type LogsEndpoint, type Secret } from '@kedge/api';
import { mutate, type ResourceStore } from '@kedge/store';

const { namespace, name } = LOGS_ENDPOINTS_SECRET;

function encode(endpoint: LogsEndpoint): string {
  return Buffer.from(JSON.stringify(endpoint)).toString('base64');
}

export async function publishLogsEndpoint(
  store: ResourceStore,
  replicaId: string,
  endpoint: LogsEndpoint,
): Promise<void> {
  const value = encode(endpoint);
  if (!(await store.get('Secret', name, namespace))) {
    const secret: Secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name, namespace },
      type: 'Opaque',
      data: { [replicaId]: value },
    };
    try {
      await store.create('Secret', secret);
      return;
    } catch (err: unknown) {
      if (!hasCode(err, 'KEDGE_STORE_ALREADY_EXISTS')) throw err;
    }
  }
  await mutate(store, 'Secret', name, (s) => ({ ...s, data: { ...s.data, [replicaId]: value } }), {
    namespace,
  });
}

export async function withdrawLogsEndpoint(store: ResourceStore, replicaId: string): Promise<void> {
  await mutate(
    store,
    'Secret',
    name,
    (s) => {
      if (!s.data || !Object.hasOwn(s.data, replicaId)) return undefined;
      const data = { ...s.data };
      delete data[replicaId];
      return { ...s, data };
    },
    { namespace },
  );
}
