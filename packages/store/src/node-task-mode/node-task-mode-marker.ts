// This process's node task mode in the shared ConfigMap
// kubeedge/kedge-node-task-mode (docs/node-tasks.md): one data key per
// process, written at start and removed at a clean stop, so that a process
// can tell that another one runs the other mode and say so.
import {
  NODE_TASK_MODE_CONFIGMAP,
  disagreeingModes,
  hasCode,
  type ConfigMap,
  type NodeTaskMode,
} from '@kedge/api';
import { mutate } from '../mutate.ts';
import type { ResourceStore } from '../resource-store.ts';

const { namespace, name } = NODE_TASK_MODE_CONFIGMAP;

export class NodeTaskModeMarker {
  readonly key: string;
  readonly mode: NodeTaskMode;
  readonly #store: ResourceStore;

  constructor(options: { store: ResourceStore; key: string; mode: NodeTaskMode }) {
    this.#store = options.store;
    this.key = options.key;
    this.mode = options.mode;
  }

  /** Writes this process's key (creating the ConfigMap on first use). */
  async record(): Promise<void> {
    const set = (cm: ConfigMap): ConfigMap | undefined =>
      cm.data?.[this.key] === this.mode ? undefined : { ...cm, data: { ...cm.data, [this.key]: this.mode } };
    const existing = await this.#store.get('ConfigMap', name, namespace);
    if (existing === undefined) {
      try {
        await this.#store.create('ConfigMap', {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name, namespace },
          data: { [this.key]: this.mode },
        });
        return;
      } catch (err: unknown) {
        if (!hasCode(err, 'KEDGE_STORE_ALREADY_EXISTS')) throw err;
      }
    }
    await mutate(this.#store, 'ConfigMap', name, set, { namespace });
  }

  /** Removes this process's key (a clean stop). */
  async remove(): Promise<void> {
    await mutate(
      this.#store,
      'ConfigMap',
      name,
      (cm) => {
        if (cm.data?.[this.key] === undefined) return undefined;
        const { [this.key]: _gone, ...data } = cm.data;
        return { ...cm, data };
      },
      { namespace },
    );
  }

  /** The other processes that run the other mode, as `key=mode` (read now). */
  async disagreeing(): Promise<string[]> {
    const cm = await this.#store.get('ConfigMap', name, namespace);
    return disagreeingModes(cm?.data, this.mode, this.key);
  }
}
