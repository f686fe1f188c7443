// How many of a node's pods may be starting at once (their first sync:
// volumes, sandbox with its network, image checks, container create and
// start), first come first served. Without a bound, a burst of N pods makes
// N sets of CRI calls share the node's CPUs and containerd at once, and every
// pod of the burst turns Running near the end of the burst (measured in
// docs/benchmarks.md, "Pods: startup latency on real nodes"); with one,
// the first pods run while the rest wait their turn, and the burst as a
// whole takes no longer. Pods already running keep their own sync loop and
// never wait here.
import { KedgeError } from '@kedge/api';

/** Starts in flight on one node by default. */
const DEFAULT_PARALLEL_POD_STARTS = 5;

export type ReleaseStart = () => void;

export class StartGate {
  readonly #limit: number;
  #active = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(limit = DEFAULT_PARALLEL_POD_STARTS) {
    if (!Number.isInteger(limit) || limit < 1)
      throw new KedgeError(
        'KEDGE_CONFIG_INVALID',
        `parallel pod starts: expected an integer >= 1, got ${limit}`,
      );
    this.#limit = limit;
  }

  /** Starts in flight now. */
  get active(): number {
    return this.#active;
  }

  /** Starts waiting for a turn. */
  get waiting(): number {
    return this.#waiting.length;
  }

  /**
   * Resolves with a release function once this start may run (in arrival
   * order); rejects with the signal's reason if it aborts first, and the turn
   * goes to the next one. Calling the release more than once counts once.
   */
  acquire(signal?: AbortSignal): Promise<ReleaseStart> {
    if (signal?.aborted) return Promise.reject(signal.reason as Error);
    if (this.#active < this.#limit) {
      this.#active += 1;
      return Promise.resolve(this.#release());
    }
    return new Promise<ReleaseStart>((resolve, reject) => {
      const turn = (): void => {
        signal?.removeEventListener('abort', onAbort);
        this.#active += 1;
        resolve(this.#release());
      };
      const onAbort = (): void => {
        const i = this.#waiting.indexOf(turn);
        if (i >= 0) this.#waiting.splice(i, 1);
        reject(signal?.reason as Error);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiting.push(turn);
    });
  }

  #release(): ReleaseStart {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.#active -= 1;
      this.#waiting.shift()?.();
    };
  }
}
