// Restart decisions as kubelet makes them. restartPolicy says whether an
// exited container runs again; RestartBackOff says when: the first restart
// is at once, then each crash waits 10 s, 20 s, 40 s ... up to 5 min
// (kubelet's CrashLoopBackOff), and a container that has not needed a
// restart for 10 min (twice the cap) starts again from 10 s. The same
// back-off, keyed by image, paces image pulls (ImagePullBackOff).
import type { Clock } from '@kedge/runtime';

const RESTART_POLICY = { always: 'Always', onFailure: 'OnFailure', never: 'Never' } as const;
export type RestartPolicy = (typeof RESTART_POLICY)[keyof typeof RESTART_POLICY];

/** Whether a container that exited with `exitCode` is started again. */
export function shouldRestart(policy: RestartPolicy | undefined, exitCode: number): boolean {
  switch (policy ?? RESTART_POLICY.always) {
    case RESTART_POLICY.always:
      return true;
    case RESTART_POLICY.onFailure:
      return exitCode !== 0;
    case RESTART_POLICY.never:
      return false;
  }
}

const INITIAL_BACKOFF_MS = 10_000;
const MAX_BACKOFF_MS = 300_000;

interface Entry {
  backoffMs: number;
  lastUpdate: number;
}

export class RestartBackOff {
  readonly #clock: Clock;
  readonly #initialMs: number;
  readonly #maxMs: number;
  readonly #entries = new Map<string, Entry>();

  constructor(clock: Clock, initialMs = INITIAL_BACKOFF_MS, maxMs = MAX_BACKOFF_MS) {
    this.#clock = clock;
    this.#initialMs = initialMs;
    this.#maxMs = maxMs;
  }

  /** True while `key` must still wait after an event (a crash) at `since` (ms). */
  inBackOffSince(key: string, since: number): boolean {
    const entry = this.#live(key);
    if (!entry) return false;
    return this.#clock.now() - since < entry.backoffMs;
  }

  /** Records a restart of `key` now: the next wait doubles (to the cap), or starts over after a quiet spell. */
  next(key: string): void {
    const entry = this.#live(key);
    const backoffMs = entry ? Math.min(entry.backoffMs * 2, this.#maxMs) : this.#initialMs;
    this.#entries.set(key, { backoffMs, lastUpdate: this.#clock.now() });
  }

  /** The current wait of `key` in ms (0: none). */
  get(key: string): number {
    return this.#live(key)?.backoffMs ?? 0;
  }

  reset(key: string): void {
    this.#entries.delete(key);
  }

  /** Forgets keys starting with `prefix` (a pod's, when it goes). */
  forget(prefix: string): void {
    for (const key of this.#entries.keys()) if (key.startsWith(prefix)) this.#entries.delete(key);
  }

  #live(key: string): Entry | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (this.#clock.now() - entry.lastUpdate > 2 * this.#maxMs) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry;
  }
}

/** A duration as Go prints it: `10s`, `1m20s`, `5m0s`, `1h0m0s`, `500ms`. */
export function goDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const total = ms / 1000;
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = Number((total % 60).toFixed(3));
  if (h > 0) return `${h}h${m}m${s}s`;
  if (m > 0) return `${m}m${s}s`;
  return `${s}s`;
}

/** kubelet's CrashLoopBackOff message. */
export function crashLoopMessage(backoffMs: number, container: string, pod: string): string {
  return `back-off ${goDuration(backoffMs)} restarting failed container=${container} pod=${pod}`;
}
