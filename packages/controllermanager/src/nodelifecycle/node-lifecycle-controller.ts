// Every monitorPeriod, looks at the edge nodes in the Node cache and marks
// Ready=Unknown those whose holding cloudcore stopped refreshing the
// heartbeat without marking them NotReady (it crashed or was cut off). The
// write re-checks the fresh object, so a heartbeat that lands meanwhile wins.
import { errorMessage, type Node } from '@kedge/api';
import type { Clock, Logger } from '@kedge/runtime';
import { mutate, type ResourceStore } from '@kedge/store';
import { staleReadyCondition, withReady } from './stale-node.ts';

export interface NodeLifecycleControllerOptions {
  store: ResourceStore;
  /** The Node cache (shared with other controllers). */
  nodes: { list(): Node[]; synced: Promise<void> };
  clock: Clock;
  log: Logger;
  /** Heartbeat age after which a Ready node becomes Unknown (ms). */
  gracePeriodMs: number;
  /** Interval between checks (ms). */
  monitorPeriodMs: number;
}

export class NodeLifecycleController {
  readonly #o: NodeLifecycleControllerOptions;
  readonly #log: Logger;

  constructor(options: NodeLifecycleControllerOptions) {
    this.#o = options;
    this.#log = options.log.child({ module: 'nodelifecycle' });
  }

  /** Checks now and then every monitorPeriodMs until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    try {
      await this.#o.nodes.synced;
    } catch (err: unknown) {
      if (signal.aborted) return;
      throw err;
    }
    this.#log.info(
      { gracePeriodMs: this.#o.gracePeriodMs, monitorPeriodMs: this.#o.monitorPeriodMs },
      'node lifecycle controller running',
    );
    while (!signal.aborted) {
      await this.checkOnce();
      try {
        await this.#o.clock.sleep(this.#o.monitorPeriodMs, signal);
      } catch {
        return;
      }
    }
  }

  /** One pass; resolves with the names of the nodes it marked Unknown. */
  async checkOnce(): Promise<string[]> {
    const now = this.#o.clock.now();
    const marked: string[] = [];
    for (const node of this.#o.nodes.list()) {
      if (staleReadyCondition(node, now, this.#o.gracePeriodMs) === undefined) continue;
      const name = node.metadata.name;
      try {
        let message: string | undefined;
        await mutate(
          this.#o.store,
          'Node',
          name,
          (fresh) => {
            const ready = staleReadyCondition(fresh, now, this.#o.gracePeriodMs);
            message = ready?.message;
            return ready === undefined ? undefined : withReady(fresh, ready);
          },
          { status: true },
        );
        if (message !== undefined) {
          marked.push(name);
          this.#log.warn({ node: name }, `node ${name} Ready=Unknown: ${message}`);
        }
      } catch (err: unknown) {
        this.#log.error({ err, node: name }, `could not mark node ${name} Unknown: ${errorMessage(err)}`);
      }
    }
    return marked;
  }
}
