// Group commit for the embedded store. Every write used to be its own
// transaction, so a busy cloudcore paid one fsync per write (synchronous =
// FULL): about a hundred writes a second on an ordinary disk, less than the
// heartbeats of 10,000 nodes. Writes submitted in the same event-loop turn
// now run as savepoints of one BEGIN IMMEDIATE transaction and share its
// commit, hence its fsync. Each write still succeeds or fails alone (a
// failed savepoint is rolled back without touching the others), and no
// caller hears of success before the shared commit is on disk.

/** Writes per transaction at most, so one commit never holds the file lock for long. */
const MAX_BATCH = 512;

interface QueuedWrite {
  run: () => unknown;
  resolve: (value: unknown) => void;
  reject: (reason: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

export interface GroupCommitOptions {
  /** Runs `body` in one write transaction and commits it; throws when the transaction or its commit fails. */
  transaction(body: () => void): void;
  /** Runs `write` as a savepoint inside the open transaction: rolled back alone when it throws. */
  savepoint(write: () => unknown): unknown;
}

export class GroupCommit {
  readonly #o: GroupCommitOptions;
  #queue: QueuedWrite[] = [];
  #scheduled = false;
  #commits = 0;

  constructor(options: GroupCommitOptions) {
    this.#o = options;
  }

  /** Transactions committed so far (each covers one or more writes). */
  get commits(): number {
    return this.#commits;
  }

  /** Queues a write for this turn's transaction; resolves with its result once that transaction is committed. */
  submit<T>(write: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ run: write, resolve: resolve as (value: unknown) => void, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => this.drain());
      }
    });
  }

  /** Commits everything queued, now (close() calls it so nothing queued is lost). */
  drain(): void {
    this.#scheduled = false;
    while (this.#queue.length > 0) {
      const batch = this.#queue.slice(0, MAX_BATCH);
      this.#queue = this.#queue.slice(batch.length);
      this.#commitBatch(batch);
    }
  }

  #commitBatch(batch: QueuedWrite[]): void {
    const outcomes: Outcome[] = [];
    try {
      this.#o.transaction(() => {
        for (const write of batch) {
          try {
            outcomes.push({ ok: true, value: this.#o.savepoint(write.run) });
          } catch (error: unknown) {
            outcomes.push({ ok: false, error });
          }
        }
      });
    } catch (error: unknown) {
      // Nothing of this batch is on disk: every write in it fails with the reason.
      for (const write of batch) write.reject(error);
      return;
    }
    this.#commits++;
    batch.forEach((write, i) => {
      const outcome = outcomes[i];
      if (outcome?.ok) write.resolve(outcome.value);
      else write.reject(outcome?.error);
    });
  }
}
