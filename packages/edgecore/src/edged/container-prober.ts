// Runs a container's due probes for its pod worker, each kind at most once at
// a time, without holding up the sync: a result is recorded in the
// container's ProbeState when it arrives (and dropped when the container it
// probed has been replaced meanwhile); when a result flips, the worker is
// woken to act on it (restart, Ready condition).
import { errorMessage } from '@kedge/api';
import type { Clock, Logger } from '@kedge/runtime';
import type { Container } from './pod-spec.ts';
import type { ProbeExecutor } from './probe-executors.ts';
import type { ContainerProbes } from './probe-state.ts';
import type { PodContainerStatus } from './runtime/index.ts';

/** What a pod worker knows of one of its containers. */
export interface ContainerTrack {
  spec: Container;
  probes: ContainerProbes;
  /** The newest runtime container. */
  current?: PodContainerStatus;
  /** The one before it (exited), for lastState. */
  previous?: PodContainerStatus;
  /** Why it is not running (ErrImagePull, CrashLoopBackOff...). */
  waiting?: { reason: string; message?: string };
  /** Attempt of the next container when there is no current one to count from. */
  nextAttempt: number;
  /** Probe kinds running now. */
  inflight: Set<string>;
}

export class ContainerProber {
  readonly #executor: ProbeExecutor;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #onChange: () => void;

  constructor(executor: ProbeExecutor, clock: Clock, log: Logger, onChange: () => void) {
    this.#executor = executor;
    this.#clock = clock;
    this.#log = log;
    this.#onChange = onChange;
  }

  /** Starts the probes of `t` that are due now (its current container must be running). */
  runDue(t: ContainerTrack, podIP: string, signal: AbortSignal): void {
    const c = t.current;
    if (c?.state !== 'running') return;
    const now = this.#clock.now();
    for (const p of t.probes.due(now)) {
      const spec = t.spec[`${p.kind}Probe`];
      if (!spec || t.inflight.has(p.kind)) continue;
      t.inflight.add(p.kind);
      p.begin(now);
      const target = { containerId: c.id, podIP, container: t.spec };
      this.#executor
        .run(spec, target, p.timing.timeoutMs, signal)
        .then((outcome) => {
          if (t.current?.id !== c.id) return;
          if (!p.record(now, outcome.ok)) return;
          const fields = { container: t.spec.name, probe: p.kind, ok: outcome.ok, output: outcome.output };
          this.#log.info(fields, 'probe result changed');
          this.#onChange();
        })
        .catch((err: unknown) => {
          if (signal.aborted) return;
          this.#log.warn(
            { container: t.spec.name, probe: p.kind, err: errorMessage(err) },
            'probe did not run',
          );
        })
        .finally(() => t.inflight.delete(p.kind));
    }
  }
}
