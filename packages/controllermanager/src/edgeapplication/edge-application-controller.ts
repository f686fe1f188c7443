// The EdgeApplication controller (apps.kubeedge.io/v1alpha1): renders each
// app (render-app.ts), creates or updates what it wants (apply-object.ts),
// deletes what it generated before and no longer wants (recorded in
// apps.kubeedge.io/last-contained-resources), and writes
// status.workloadStatus. App and Deployment events only enqueue app keys.
// Objects of a deleted app are deleted here too, so the embedded store
// (which has no garbage collector) behaves like Kubernetes. A manifest that
// cannot be rendered becomes a RenderFailed event; the object it would have
// made is left as it was (upstream deleted it).
import { isDeepStrictEqual } from 'node:util';
import { errorMessage, hasCode, isKindName, type EdgeApplication, type KindName } from '@kedge/api';
import { systemClock, type Clock, type Logger } from '@kedge/runtime';
import { createInformer, mutate, type ResourceStore } from '@kedge/store';
import { Controller, Reconciled, type ReconcileResult } from '../controller/controller.ts';
import { EventSource, WorkloadEvents } from '../workload/workload-events.ts';
import { keyOf, parseKey } from '../workload/workload-keys.ts';
import { controllerOf } from '../workload/workload-view.ts';
import { applyObject } from './apply-object.ts';
import type { ContainedResource } from './contained-resources.ts';
import { OwnedObjects } from './owned-objects.ts';
import { renderApp, type RenderFailure } from './render-app.ts';
import { workloadStatus } from './workload-status.ts';

/** Kinds searched for a deleted app's objects, besides those it rendered while this process watched. */
const SWEPT_KINDS = ['Deployment', 'Service', 'ConfigMap'].filter(isKindName);

export interface EdgeApplicationControllerOptions {
  store: ResourceStore;
  clock: Clock;
  log: Logger;
  /** Clock of the informers' retry backoff; default the system clock. */
  informerClock?: Clock;
}

export class EdgeApplicationController {
  readonly #o: EdgeApplicationControllerOptions;
  readonly #log: Logger;
  readonly #controller: Controller;
  readonly #events: WorkloadEvents;
  readonly #owned: OwnedObjects;
  /** Kinds each app rendered, for its sweep after deletion. */
  readonly #kindsOf = new Map<string, Set<KindName>>();
  /** The failure messages last reported per app, so an event is written once per change. */
  readonly #reported = new Map<string, string>();

  constructor(options: EdgeApplicationControllerOptions) {
    this.#o = options;
    this.#log = options.log.child({ module: 'edgeapplication' });
    this.#events = new WorkloadEvents(options.store, options.clock, this.#log);
    this.#owned = new OwnedObjects(options.store, this.#log);
    this.#controller = new Controller({
      name: 'edgeapplication',
      clock: options.clock,
      log: this.#log,
      reconcile: (key) => this.reconcile(key),
    });
  }

  async run(signal: AbortSignal): Promise<void> {
    const base = { signal, log: this.#log, clock: this.#o.informerClock ?? systemClock };
    const apps = createInformer(this.#o.store, 'EdgeApplication', {
      ...base,
      onEvent: (e) => this.#controller.enqueue(keyOf(e.object.metadata.namespace, e.object.metadata.name)),
    });
    const deployments = createInformer(this.#o.store, 'Deployment', {
      ...base,
      onEvent: (e) => {
        const owner = controllerOf(e.object);
        if (owner?.kind === 'EdgeApplication') {
          this.#controller.enqueue(keyOf(e.object.metadata.namespace, owner.name));
        }
      },
    });
    try {
      await Promise.all([apps.synced, deployments.synced]);
    } catch (err: unknown) {
      if (signal.aborted) return;
      throw err;
    }
    this.#log.info('edge application controller running');
    await this.#controller.run(signal);
  }

  async reconcile(key: string): Promise<ReconcileResult> {
    const { store } = this.#o;
    const { namespace, name } = parseKey(key);
    const app = await store.get('EdgeApplication', name, namespace);
    if (app === undefined) {
      await this.#owned.sweep(namespace, name, new Set([...SWEPT_KINDS, ...(this.#kindsOf.get(key) ?? [])]));
      this.#kindsOf.delete(key);
      this.#reported.delete(key);
      return Reconciled.done;
    }
    if (app.metadata.deletionTimestamp !== undefined) return Reconciled.done;
    const { objects, failures } = renderApp(app);
    const kinds = this.#kindsOf.get(key) ?? new Set<KindName>();
    this.#kindsOf.set(key, kinds);
    let transient: unknown;
    const applied = [];
    for (const r of objects) {
      kinds.add(r.kind);
      try {
        const outcome = await applyObject(store, app, r);
        applied.push(r);
        if (outcome !== 'unchanged') {
          this.#log.info(
            { resource: `${r.identity.kind}/${r.identity.name}`, app: key },
            `${outcome} ${r.identity.kind} ${r.identity.namespace}/${r.identity.name}`,
          );
        }
      } catch (err: unknown) {
        if (hasCode(err, 'KEDGE_EDGEAPP_RENDER_FAILED') || hasCode(err, 'KEDGE_RESOURCE_INVALID')) {
          failures.push({ ordinal: r.ordinal, identity: r.identity, message: errorMessage(err) });
        } else {
          transient ??= err;
          failures.push({ ordinal: r.ordinal, identity: r.identity, message: errorMessage(err) });
        }
      }
    }
    const wanted = [
      ...applied.map((r) => ({ ordinal: r.ordinal, ...r.identity })),
      ...keptByFailure(failures),
    ];
    await this.#owned.reconcile(app, wanted);
    const status = await workloadStatus(store, app, applied, failures);
    await mutate(
      store,
      'EdgeApplication',
      name,
      (a) => {
        if (a.metadata.uid !== app.metadata.uid) return undefined;
        if (isDeepStrictEqual(a.status?.workloadStatus ?? [], status)) return undefined;
        return { ...a, status: { ...a.status, workloadStatus: status } };
      },
      { namespace, status: true },
    );
    await this.#report(
      key,
      app,
      failures.filter((f) => f.message !== errorMessage(transient)),
    );
    return transient === undefined ? Reconciled.done : Reconciled.retry(transient);
  }

  async #report(key: string, app: EdgeApplication, failures: RenderFailure[]): Promise<void> {
    const text = failures.map((f) => f.message).join('\n');
    if (this.#reported.get(key) === (text || undefined)) return;
    if (text === '') {
      this.#reported.delete(key);
      return;
    }
    this.#reported.set(key, text);
    for (const f of failures) {
      this.#log.warn(
        { app: key, code: 'KEDGE_EDGEAPP_RENDER_FAILED' },
        `EdgeApplication ${key}: ${f.message}`,
      );
      await this.#events.record(app, EventSource.edgeApplication, 'Warning', 'RenderFailed', f.message);
    }
  }
}

/** Objects whose rendering failed are kept (not deleted) until the spec is fixed. */
function keptByFailure(failures: RenderFailure[]): ContainedResource[] {
  return failures.flatMap((f) => (f.identity === undefined ? [] : [{ ordinal: f.ordinal, ...f.identity }]));
}
