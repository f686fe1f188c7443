// Leader election through one coordination.k8s.io/v1 Lease, written with
// conflict-checked create/update through ResourceStore, so it works the same
// on the embedded SQLite store and on a Kubernetes API server (the rules are
// client-go's, in lease-record.ts):
// - candidate: every retryPeriod (with jitter) try to create the Lease or
//   take it over once it expired or was released;
// - leader: run the work with a signal of its own, renew every retryPeriod;
//   if no renewal succeeded for renewDeadline (< leaseDuration, so before
//   anyone else may take it), or another holder shows up, abort the work,
//   wait for it to stop and go back to being a candidate;
// - stopping (the run signal aborts): stop the work, then release the Lease
//   (empty holder) so a standby takes over at its next retry instead of
//   waiting out the lease.
import { errorMessage, hasCode, type Lease } from '@kedge/api';
import type { Clock, Logger } from '@kedge/runtime';
import type { ResourceStore } from '@kedge/store';
import {
  claimedSpec,
  heldByOther,
  newLease,
  observe,
  releasedSpec,
  type Observation,
} from './lease-record.ts';

export interface LeaderElectorOptions {
  store: ResourceStore;
  namespace: string;
  name: string;
  /** Unique per process: `<hostname>_<uuid>`. */
  identity: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  clock: Clock;
  log: Logger;
}

/** What runs while this process leads; must stop soon after `signal` aborts. */
export type LeaderWork = (signal: AbortSignal) => Promise<void>;

type Attempt = { ok: true } | { ok: false; holder?: string };

type TermEnd = { why: 'stopping' } | { why: 'work ended' } | { why: 'lost'; detail: string };

export class LeaderElector {
  readonly #o: LeaderElectorOptions;
  readonly #log: Logger;
  readonly #where: string;
  #seen: Observation | undefined;
  #leading = false;
  #lastError = '';

  constructor(options: LeaderElectorOptions) {
    this.#o = options;
    this.#where = `${options.namespace}/${options.name}`;
    this.#log = options.log.child({
      module: 'leaderelection',
      lease: this.#where,
      identity: options.identity,
    });
  }

  get identity(): string {
    return this.#o.identity;
  }

  /** Whether this process holds the Lease and runs the work now. */
  get isLeader(): boolean {
    return this.#leading;
  }

  /** The holder this process last saw ('' = none or not read yet). */
  get leader(): string {
    return this.#seen?.holder ?? '';
  }

  /** Campaigns, leads, and campaigns again after a loss, until `signal` aborts; releases the Lease at the end. */
  async run(signal: AbortSignal, work: LeaderWork): Promise<void> {
    while (!signal.aborted) {
      if (!(await this.#acquire(signal))) break;
      const term = new AbortController();
      const wake = new AbortController();
      const onStop = (): void => wake.abort();
      signal.addEventListener('abort', onStop, { once: true });
      this.#leading = true;
      this.#log.info(`became leader: holding lease ${this.#where}; starting controllers`);
      let workEnded = false;
      const done = work(term.signal)
        .catch((err: unknown) => {
          if (!term.signal.aborted) this.#log.error({ err }, `controllers failed: ${errorMessage(err)}`);
        })
        .finally(() => {
          workEnded = true;
          wake.abort();
        });
      const end = await this.#hold(signal, wake.signal, () => workEnded);
      signal.removeEventListener('abort', onStop);
      term.abort(new Error(`leadership ended: ${end.why}`));
      await done;
      this.#leading = false;
      if (end.why === 'lost') {
        this.#log.error(`lost leadership of ${this.#where}: ${end.detail}; controllers stopped, standing by`);
        continue;
      }
      await this.#release();
      if (end.why === 'work ended' && !signal.aborted) {
        this.#log.error('controllers stopped on their own; lease released, campaigning again');
        await this.#o.clock.sleep(this.#o.retryPeriodMs, signal).catch(() => undefined);
      }
    }
  }

  /** Tries until the Lease is ours; false when `signal` aborted first. */
  async #acquire(signal: AbortSignal): Promise<boolean> {
    let reported = '';
    this.#log.info(`campaigning for lease ${this.#where}`);
    while (!signal.aborted) {
      const attempt = await this.#tryAcquireOrRenew();
      if (attempt.ok) return true;
      if (attempt.holder !== undefined && attempt.holder !== reported) {
        reported = attempt.holder;
        this.#log.info(
          { leader: attempt.holder },
          `standing by: lease ${this.#where} is held by ${attempt.holder}`,
        );
      }
      const jitter = 1 + Math.random() * 0.2;
      await this.#o.clock.sleep(this.#o.retryPeriodMs * jitter, signal).catch(() => undefined);
    }
    return false;
  }

  /** Renews every retryPeriod until stopping, the work ending, or the lease being lost. */
  async #hold(signal: AbortSignal, wake: AbortSignal, workEnded: () => boolean): Promise<TermEnd> {
    const { clock, retryPeriodMs, renewDeadlineMs } = this.#o;
    let renewedAt = clock.now();
    for (;;) {
      await clock.sleep(retryPeriodMs, wake).catch(() => undefined);
      if (signal.aborted) return { why: 'stopping' };
      if (workEnded()) return { why: 'work ended' };
      const deadline = renewedAt + renewDeadlineMs;
      const attempt = await this.#beforeDeadline(this.#tryAcquireOrRenew(), deadline, wake);
      if (signal.aborted) return { why: 'stopping' };
      if (attempt === 'deadline' || (!attempt.ok && clock.now() >= deadline)) {
        return { why: 'lost', detail: `not renewed within renewDeadline (${renewDeadlineMs / 1000}s)` };
      }
      if (attempt.ok) renewedAt = clock.now();
      else if (attempt.holder !== undefined)
        return { why: 'lost', detail: `the lease is now held by ${attempt.holder}` };
    }
  }

  async #beforeDeadline(
    attempt: Promise<Attempt>,
    deadline: number,
    wake: AbortSignal,
  ): Promise<Attempt | 'deadline'> {
    const left = deadline - this.#o.clock.now();
    if (left <= 0) return 'deadline';
    const timer = new AbortController();
    const onWake = (): void => timer.abort();
    wake.addEventListener('abort', onWake, { once: true });
    try {
      return await Promise.race([
        attempt,
        this.#o.clock.sleep(left, timer.signal).then(
          () => 'deadline' as const,
          () => attempt,
        ),
      ]);
    } finally {
      timer.abort();
      wake.removeEventListener('abort', onWake);
    }
  }

  /** One read and, if the Lease is free, expired or ours, one conflict-checked write. Never throws. */
  async #tryAcquireOrRenew(): Promise<Attempt> {
    const { store, namespace, name, identity, clock } = this.#o;
    const durationSeconds = Math.max(1, Math.ceil(this.#o.leaseDurationMs / 1000));
    const now = clock.now();
    try {
      const current = await store.get('Lease', name, namespace);
      if (current === undefined) {
        const created = await store.create(
          'Lease',
          newLease(namespace, name, identity, durationSeconds, now),
        );
        this.#seen = observe(this.#seen, created, clock.now());
        return this.#succeeded();
      }
      this.#seen = observe(this.#seen, current, now);
      const holder = heldByOther(this.#seen, identity, now);
      if (holder !== undefined) return this.#succeeded(holder);
      const written: Lease = await store.update('Lease', {
        ...current,
        spec: claimedSpec(current.spec, identity, durationSeconds, now),
      });
      this.#seen = observe(this.#seen, written, clock.now());
      return this.#succeeded();
    } catch (err: unknown) {
      if (hasCode(err, 'KEDGE_STORE_CONFLICT') || hasCode(err, 'KEDGE_STORE_ALREADY_EXISTS')) {
        return { ok: false }; // someone else wrote first; the next read tells who
      }
      const message = errorMessage(err);
      if (message !== this.#lastError) {
        this.#lastError = message;
        this.#log.warn({ err }, `lease ${this.#where}: ${message}`);
      }
      return { ok: false };
    }
  }

  #succeeded(holder?: string): Attempt {
    this.#lastError = '';
    return holder === undefined ? { ok: true } : { ok: false, holder };
  }

  /** Gives the Lease up if we still hold it (a clean stop). */
  async #release(): Promise<void> {
    const { store, namespace, name, identity, clock } = this.#o;
    try {
      const current = await store.get('Lease', name, namespace);
      if (current?.spec?.holderIdentity !== identity) return;
      await store.update('Lease', { ...current, spec: releasedSpec(current.spec, clock.now()) });
      this.#log.info(`released lease ${this.#where}`);
    } catch (err: unknown) {
      this.#log.warn({ err }, `could not release lease ${this.#where}: ${errorMessage(err)}`);
    }
  }
}
