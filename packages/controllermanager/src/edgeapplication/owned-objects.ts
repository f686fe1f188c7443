// What an EdgeApplication generated, kept in step with what it wants:
// apps.kubeedge.io/last-contained-resources records the objects of the last
// pass; objects recorded there and no longer wanted are deleted (only if the
// app still controls them), and when the app is gone every object it
// controlled is deleted, as Kubernetes' garbage collector would (the
// embedded store has none).
import {
  EdgeApplicationAnnotations,
  hasCode,
  isKindName,
  type EdgeApplication,
  type KindName,
} from '@kedge/api';
import type { Logger } from '@kedge/runtime';
import { mutate, type ResourceStore } from '@kedge/store';
import { controllerOf } from '../workload/workload-view.ts';
import { controlledBy } from './apply-object.ts';
import { containedList, parseContained, type ContainedResource } from './contained-resources.ts';
import { sameObject } from './render-app.ts';

const CONTAINED = EdgeApplicationAnnotations.lastContainedResources;

export class OwnedObjects {
  readonly #store: ResourceStore;
  readonly #log: Logger;

  constructor(store: ResourceStore, log: Logger) {
    this.#store = store;
    this.#log = log;
  }

  /** Deletes what the app generated last time and no longer wants, then records what it wants now. */
  async reconcile(app: EdgeApplication, wanted: ContainedResource[]): Promise<void> {
    for (const old of parseContained(app.metadata.annotations?.[CONTAINED])) {
      if (wanted.some((w) => sameObject(w, old)) || !isKindName(old.kind)) continue;
      const current = await this.#store.get(old.kind, old.name, old.namespace);
      if (current === undefined || !controlledBy(current, app)) continue;
      await this.#delete(
        old.kind,
        old.name,
        old.namespace,
        `no longer in EdgeApplication ${app.metadata.name}`,
      );
    }
    const list = containedList(wanted);
    await mutate(
      this.#store,
      'EdgeApplication',
      app.metadata.name,
      (a) => {
        if (a.metadata.uid !== app.metadata.uid || a.metadata.annotations?.[CONTAINED] === list)
          return undefined;
        a.metadata.annotations = { ...a.metadata.annotations, [CONTAINED]: list };
        return a;
      },
      { namespace: app.metadata.namespace ?? 'default' },
    );
  }

  /** The app `namespace/name` is gone: deletes every object of `kinds` it controlled. */
  async sweep(namespace: string, name: string, kinds: Iterable<KindName>): Promise<void> {
    for (const kind of kinds) {
      const { items } = await this.#store.list(kind, { namespace });
      for (const obj of items) {
        const owner = controllerOf(obj);
        if (owner?.kind !== 'EdgeApplication' || owner.name !== name) continue;
        await this.#delete(kind, obj.metadata.name, namespace, `EdgeApplication ${name} was deleted`);
      }
    }
  }

  async #delete(kind: KindName, name: string, namespace: string, why: string): Promise<void> {
    try {
      await this.#store.delete(kind, name, namespace);
      this.#log.info({ resource: `${kind}/${name}` }, `deleted ${kind} ${namespace}/${name}: ${why}`);
    } catch (err: unknown) {
      if (!hasCode(err, 'KEDGE_STORE_NOT_FOUND')) throw err;
    }
  }
}
