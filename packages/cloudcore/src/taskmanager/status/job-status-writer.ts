// Coalesced status writes for one job. Changes (edge reports, claims) that
// arrive while a write is in flight, or within a short window when the writer
// is idle, are applied together in ONE read-modify-write of the job's status,
// retried from a fresh read on conflict. Each submitter's promise settles only
// after the write that holds its change is stored, so an ack sent after it
// means durable.
import { hasCode, KedgeError, type NodeTaskJob, type NodeTaskKind } from '@kedge/api';
import type { Clock, Logger } from '@kedge/runtime';
import type { ResourceStore } from '@kedge/store';
import { EntryIndex } from './entry-index.ts';

export interface ChangeResult<R> {
  /** Whether the change modified the job (an unchanged batch is not written). */
  changed: boolean;
  value: R;
}

/**
 * Applies one change in place to a private copy of the stored job. It must
 * check everything before it modifies anything: a throw fails only this
 * change, and the others in the batch are still written. `entries` finds the
 * copy's node entries by name, shared by every change of the batch.
 */
export type StatusChange<R> = (job: NodeTaskJob, entries: EntryIndex) => ChangeResult<R>;

export interface JobStatusWriterOptions {
  store: ResourceStore;
  kind: NodeTaskKind;
  name: string;
  clock: Clock;
  log: Logger;
  /** How long an idle writer waits for more changes before it writes (0 = to the end of this event-loop turn). */
  windowMs: number;
  /** Attempts on conflict before the batch fails with KEDGE_STORE_CONFLICT (default 20). */
  maxAttempts?: number;
  /** Called with the stored job after each successful write. */
  onWritten?: (job: NodeTaskJob) => void;
  /** Called when nothing is queued or being written any more. */
  onIdle?: () => void;
}

interface Queued {
  apply: StatusChange<unknown>;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

type Outcome = { ok: true; result: ChangeResult<unknown> } | { ok: false; err: unknown };

export class JobStatusWriter {
  private readonly o: JobStatusWriterOptions;
  private queued: Queued[] = [];
  private running: Promise<void> | undefined;

  constructor(options: JobStatusWriterOptions) {
    this.o = options;
  }

  /** Queues a change; resolves with its value once the write holding it is stored. */
  submit<R>(change: StatusChange<R>): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queued.push({ apply: change, resolve: resolve as (value: unknown) => void, reject });
      this.running ??= this.run();
    });
  }

  /** Resolves when everything submitted so far has been written (or failed). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  get busy(): boolean {
    return this.running !== undefined;
  }

  private async run(): Promise<void> {
    try {
      // Even without a window, let the frames already read in this event-loop turn queue up first.
      if (this.o.windowMs > 0) await this.o.clock.sleep(this.o.windowMs);
      else await new Promise((resolve) => setImmediate(resolve));
      while (this.queued.length > 0) {
        const batch = this.queued;
        this.queued = [];
        await this.write(batch);
      }
    } finally {
      this.running = undefined;
      this.o.onIdle?.();
    }
  }

  private async write(batch: Queued[]): Promise<void> {
    const { store, kind, name } = this.o;
    const maxAttempts = this.o.maxAttempts ?? 20;
    for (let attempt = 1; ; attempt++) {
      let outcomes: Outcome[];
      let job: NodeTaskJob;
      try {
        const current = (await store.get(kind, name)) as NodeTaskJob | undefined;
        if (!current) {
          throw new KedgeError('KEDGE_STORE_NOT_FOUND', `${kind} ${name} does not exist`, {
            job: name,
            resource: `${kind}/${name}`,
          });
        }
        job = structuredClone(current);
        const index = new EntryIndex(job);
        outcomes = batch.map((q) => applyOne(q, job, index));
        if (!outcomes.some((o) => o.ok && o.result.changed)) {
          settle(batch, outcomes);
          return;
        }
        const stored = (await store.updateStatus(kind, job)) as NodeTaskJob;
        this.o.onWritten?.(stored);
        settle(batch, outcomes);
        return;
      } catch (err: unknown) {
        if (hasCode(err, 'KEDGE_STORE_CONFLICT') && attempt < maxAttempts) {
          await this.o.clock.sleep(Math.floor(Math.random() * 5 * Math.min(attempt, 4)));
          continue;
        }
        if (hasCode(err, 'KEDGE_RESOURCE_INVALID') && batch.length > 1) {
          // One change made the status invalid: write them one by one so only it fails.
          this.o.log.warn(
            { job: name, kind, err },
            'batched status write rejected; retrying each change alone',
          );
          for (const q of batch) await this.write([q]);
          return;
        }
        for (const q of batch) q.reject(err);
        return;
      }
    }
  }
}

function applyOne(q: Queued, job: NodeTaskJob, index: EntryIndex): Outcome {
  try {
    return { ok: true, result: q.apply(job, index) };
  } catch (err: unknown) {
    return { ok: false, err };
  }
}

function settle(batch: Queued[], outcomes: Outcome[]): void {
  batch.forEach((q, i) => {
    const o = outcomes[i];
    if (o?.ok) q.resolve(o.result.value);
    else q.reject(o?.err);
  });
}
