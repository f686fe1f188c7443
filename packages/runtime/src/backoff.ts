// Exponential backoff with a cap and jitter. The n-th delay (n from 0) is
// base = min(maxMs, initialMs * factor^n), shortened by a random part of up to
// `jitter` of itself: delay in [base * (1 - jitter), base]. Jitter only ever
// shortens, so a delay never exceeds maxMs and callers can rely on the cap.
import { KedgeError } from '@kedge/api';

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  /** Growth per attempt; default 2. */
  factor?: number;
  /** Fraction of the delay that is randomised, 0..1; default 0.2. */
  jitter?: number;
  /** Source of randomness in [0, 1); default Math.random. */
  random?: () => number;
}

function validate(o: BackoffOptions): void {
  const problems: string[] = [];
  if (!(o.initialMs >= 0)) problems.push('initialMs: must be >= 0');
  if (!(o.maxMs >= o.initialMs)) problems.push('maxMs: must be >= initialMs');
  if (o.factor !== undefined && !(o.factor >= 1)) problems.push('factor: must be >= 1');
  if (o.jitter !== undefined && !(o.jitter >= 0 && o.jitter <= 1))
    problems.push('jitter: must be within 0..1');
  if (problems.length > 0) {
    throw new KedgeError('KEDGE_CONFIG_INVALID', `invalid backoff options: ${problems.join('; ')}`, {
      fields: problems.map((p) => p.slice(0, p.indexOf(':'))),
    });
  }
}

/**
 * How long after its last send an unacknowledged message is due again:
 * `baseMs` after the first send, doubling with each further send up to
 * 16 x `baseMs`. A peer that acks late is busy, not deaf; sending it the same
 * backlog every `baseMs` would only bury it deeper.
 */
export function resendDelayMs(baseMs: number, sends: number): number {
  return baseMs * 2 ** Math.min(Math.max(sends - 1, 0), 4);
}

export class Backoff {
  readonly #initialMs: number;
  readonly #maxMs: number;
  readonly #factor: number;
  readonly #jitter: number;
  readonly #random: () => number;
  #attempt = 0;

  constructor(o: BackoffOptions) {
    validate(o);
    this.#initialMs = o.initialMs;
    this.#maxMs = o.maxMs;
    this.#factor = o.factor ?? 2;
    this.#jitter = o.jitter ?? 0.2;
    this.#random = o.random ?? Math.random;
  }

  /** How many delays next() has handed out since construction or reset(). */
  get attempt(): number {
    return this.#attempt;
  }

  /** The delay before the next attempt, in whole milliseconds; grows each call. */
  next(): number {
    const base = Math.min(this.#maxMs, this.#initialMs * this.#factor ** this.#attempt);
    this.#attempt++;
    const r = Math.min(Math.max(this.#random(), 0), 1);
    return Math.round(base * (1 - this.#jitter * r));
  }

  reset(): void {
    this.#attempt = 0;
  }
}
