// A ConfigMap used as a small shared table: its data read whole and changed
// with a read-modify-write that creates the ConfigMap on the first write and
// retries when another writer got there first (mutate). Knows nothing of what
// the keys mean; @kedge/api's NodeTaskModeMarker is one user.
import { hasCode, type ConfigMap } from '@kedge/api';
import { mutate } from './mutate.ts';
import type { ResourceStore } from './resource-store.ts';

export interface ConfigMapTable {
  read(): Promise<Readonly<Record<string, string>> | undefined>;
  /** `edit` returns the new data, or undefined to write nothing (then a missing ConfigMap stays missing). */
  update(edit: (data: Readonly<Record<string, string>>) => Record<string, string> | undefined): Promise<void>;
}

export function configMapTable(
  store: ResourceStore,
  ref: { readonly namespace: string; readonly name: string },
): ConfigMapTable {
  const { namespace, name } = ref;
  return {
    async read() {
      return (await store.get('ConfigMap', name, namespace))?.data;
    },
    async update(edit) {
      if ((await store.get('ConfigMap', name, namespace)) === undefined) {
        const data = edit({});
        if (data === undefined) return;
        try {
          const cm: ConfigMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data };
          await store.create('ConfigMap', cm);
          return;
        } catch (err: unknown) {
          if (!hasCode(err, 'KEDGE_STORE_ALREADY_EXISTS')) throw err;
        }
      }
      await mutate(
        store,
        'ConfigMap',
        name,
        (cm) => {
          const data = edit(cm.data ?? {});
          return data === undefined ? undefined : { ...cm, data };
        },
        { namespace },
      );
    },
  };
}
