// Event TTL for the embedded store, as kube-apiserver's --event-ttl (default
// 1 h): Events stored longer ago than the TTL are deleted in small batches on
// a timer. Each expired Event leaves one small DELETED change (so watchers
// drop it) and every earlier change row of it is removed, so its bodies leave
// the change log at once instead of after 100 000 later writes; SQLite reuses
// the freed pages, so a flood of Events cannot grow the file without bound.
// Age counts from metadata.creationTimestamp, which the store sets itself: a
// node cannot make its Events live longer by the times it reports.
import { rfc3339 } from '@kedge/api';
import type { Clock, Logger } from '@kedge/runtime';
import type { ObjectRef, StoredObject } from './object-ref.ts';
import { pin, type Db } from './sqlite-schema.ts';

export const DEFAULT_EVENT_TTL_MS = 60 * 60 * 1000;
/** Expired Events deleted per transaction: one compaction step never holds the write lock long. */
const BATCH = 500;

export interface EventTtlOptions {
  db: Db;
  ttlMs: number;
  clock: Clock;
  log: Logger | undefined;
  /** Deletes one object with the store's own write path (revision, DELETED change) inside the open transaction. */
  deleteOne(ref: ObjectRef, tombstone: StoredObject): void;
  immediate<T>(fn: () => T): T;
}

export class EventTtl {
  private readonly o: EventTtlOptions;
  private readonly expired;
  private readonly dropChanges;
  private timer: NodeJS.Timeout | undefined;

  constructor(o: EventTtlOptions) {
    this.o = o;
    this.expired = pin(
      o.db.prepare<{ cutoff: string; limit: number }, { namespace: string; name: string; body: string }>(
        `SELECT namespace, name, body FROM objects
         WHERE kind = 'Event' AND json_extract(body, '$.metadata.creationTimestamp') < @cutoff
         LIMIT @limit`,
      ),
    );
    this.dropChanges = pin(
      o.db.prepare<{ namespace: string; name: string }>(
        `DELETE FROM changes WHERE kind = 'Event' AND namespace = @namespace AND name = @name`,
      ),
    );
  }

  /** Compacts every `min(ttl / 4, 60 s)`; the timer never keeps the process alive. */
  start(): void {
    const every = Math.max(1000, Math.min(60_000, this.o.ttlMs / 4));
    // eslint-disable-next-line no-restricted-globals -- unref: compaction must never keep a CLI that opened the store alive, which a Clock sleep would
    this.timer = setInterval(() => {
      try {
        this.expire();
      } catch (err: unknown) {
        this.o.log?.warn({ err }, 'event TTL compaction failed; retried on the next tick');
      }
    }, every);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Deletes every Event older than the TTL; returns how many. */
  expire(): number {
    const cutoff = rfc3339(new Date(this.o.clock.now() - this.o.ttlMs));
    let total = 0;
    for (;;) {
      const n = this.o.immediate(() => {
        const rows = this.expired.all({ cutoff, limit: BATCH });
        for (const row of rows) {
          const event = JSON.parse(row.body) as StoredObject;
          this.dropChanges.run({ namespace: row.namespace, name: row.name });
          this.o.deleteOne({ kind: 'Event', namespace: row.namespace, name: row.name }, tombstone(event));
        }
        return rows.length;
      });
      total += n;
      if (n < BATCH) break;
    }
    if (total > 0) this.o.log?.info({ expired: total, cutoff }, 'expired Events deleted (event TTL)');
    return total;
  }
}

/** What a watcher needs to drop the Event: identity and the object it was about, no message. */
function tombstone(event: StoredObject): StoredObject {
  const m = event.metadata;
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: {
      name: m.name,
      ...(m.namespace !== undefined ? { namespace: m.namespace } : {}),
      ...(m.uid !== undefined ? { uid: m.uid } : {}),
      ...(m.creationTimestamp !== undefined ? { creationTimestamp: m.creationTimestamp } : {}),
    },
    involvedObject: event['involvedObject'],
  };
}
