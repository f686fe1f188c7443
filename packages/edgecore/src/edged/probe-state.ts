// When a container's probes run and what their results mean, as kubelet's
// prober workers decide it, with no I/O: a probe runs every periodSeconds,
// not before initialDelaySeconds after the container started; its result
// flips only after successThreshold successes / failureThreshold failures in
// a row. A startup probe gates the other two (they wait until it succeeds
// once). Readiness starts as failure, liveness as success, startup unknown;
// a new container (a restart) starts them over.
import type { Probe } from './pod-spec.ts';

const PROBE_KIND = { liveness: 'liveness', readiness: 'readiness', startup: 'startup' } as const;
export type ProbeKind = (typeof PROBE_KIND)[keyof typeof PROBE_KIND];

/** The spec with kubelet's defaults filled in (period 10 s, timeout 1 s, thresholds 1 / 3). */
export interface ProbeTiming {
  initialDelayMs: number;
  periodMs: number;
  timeoutMs: number;
  successThreshold: number;
  failureThreshold: number;
}

export function probeTiming(p: Probe): ProbeTiming {
  const pos = (v: number | undefined, d: number): number => (v !== undefined && v > 0 ? v : d);
  return {
    initialDelayMs: Math.max(0, p.initialDelaySeconds ?? 0) * 1000,
    periodMs: pos(p.periodSeconds, 10) * 1000,
    timeoutMs: pos(p.timeoutSeconds, 1) * 1000,
    successThreshold: pos(p.successThreshold, 1),
    failureThreshold: pos(p.failureThreshold, 3),
  };
}

export class ProbeState {
  readonly kind: ProbeKind;
  readonly timing: ProbeTiming;
  /** The probe's current result: true success, false failure, undefined unknown. */
  result: boolean | undefined;
  #last: boolean | undefined;
  #run = 0;
  #startedAt = 0;
  #nextAt = 0;

  constructor(kind: ProbeKind, spec: Probe) {
    this.kind = kind;
    // Liveness and startup only ever need one success.
    const timing = probeTiming(spec);
    this.timing = kind === PROBE_KIND.readiness ? timing : { ...timing, successThreshold: 1 };
    this.result = this.#initial();
  }

  /** A new container (first start or restart) started at `startedAt` (ms): everything starts over. */
  reset(startedAt: number): void {
    this.result = this.#initial();
    this.#last = undefined;
    this.#run = 0;
    this.#startedAt = startedAt;
    this.#nextAt = startedAt + this.timing.initialDelayMs;
  }

  /** Whether the probe should run at `now`. */
  due(now: number): boolean {
    return now >= this.#nextAt;
  }

  /** The time the probe is next due (ms). */
  get nextAt(): number {
    return this.#nextAt;
  }

  /** A run starts at `at`: the next one is due a period later. */
  begin(at: number): void {
    this.#nextAt = Math.max(at, this.#startedAt + this.timing.initialDelayMs) + this.timing.periodMs;
  }

  /** Records one run that started at `at`; returns true when the result changed. */
  record(at: number, ok: boolean): boolean {
    this.begin(at);
    if (ok === this.#last) this.#run += 1;
    else {
      this.#last = ok;
      this.#run = 1;
    }
    const threshold = ok ? this.timing.successThreshold : this.timing.failureThreshold;
    if (this.#run < threshold || this.result === ok) return false;
    this.result = ok;
    return true;
  }

  #initial(): boolean | undefined {
    if (this.kind === PROBE_KIND.readiness) return false;
    if (this.kind === PROBE_KIND.liveness) return true;
    return undefined;
  }
}

/** The three probes of one container and what they add up to. */
export class ContainerProbes {
  readonly startup: ProbeState | undefined;
  readonly liveness: ProbeState | undefined;
  readonly readiness: ProbeState | undefined;

  constructor(spec: { startupProbe?: Probe; livenessProbe?: Probe; readinessProbe?: Probe }) {
    this.startup = spec.startupProbe && new ProbeState(PROBE_KIND.startup, spec.startupProbe);
    this.liveness = spec.livenessProbe && new ProbeState(PROBE_KIND.liveness, spec.livenessProbe);
    this.readiness = spec.readinessProbe && new ProbeState(PROBE_KIND.readiness, spec.readinessProbe);
  }

  reset(startedAt: number): void {
    for (const p of this.all()) p.reset(startedAt);
  }

  all(): ProbeState[] {
    return [this.startup, this.liveness, this.readiness].filter((p): p is ProbeState => p !== undefined);
  }

  /** `started` of the container status: its startup probe succeeded (or it has none). */
  get started(): boolean {
    return this.startup === undefined || this.startup.result === true;
  }

  /** `ready`: started and its readiness probe succeeds (or it has none). */
  get ready(): boolean {
    return this.started && (this.readiness === undefined || this.readiness.result === true);
  }

  /** The probe that says the container must be killed (liveness or startup failed), if any. */
  get failed(): ProbeState | undefined {
    if (this.startup?.result === false) return this.startup;
    if (this.started && this.liveness?.result === false) return this.liveness;
    return undefined;
  }

  /** When the next probe that can run is due (ms); Infinity without probes. */
  nextAt(): number {
    const live = this.started ? [this.liveness, this.readiness] : [this.startup];
    return Math.min(...live.filter((p): p is ProbeState => p !== undefined).map((p) => p.nextAt));
  }

  /** The probes due at `now`: startup until it succeeds, then liveness and readiness. */
  due(now: number): ProbeState[] {
    if (!this.started) return this.startup?.due(now) ? [this.startup] : [];
    return [this.liveness, this.readiness].filter((p): p is ProbeState => p !== undefined && p.due(now));
  }
}
