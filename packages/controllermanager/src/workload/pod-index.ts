// The pod cache indexed by controller owner, and the ReplicaSet controller's
// expectations (client-go's idea): pods it created or deleted that the cache
// has not shown yet. While a ReplicaSet has some, it is not planned again,
// so a lagging cache never makes it create or delete twice. Expectations
// expire after ttlMs in case an event was missed.
import type { Pod } from '@kedge/api';
import { objectKey } from './workload-keys.ts';
import { controllerOf } from './workload-view.ts';

export class PodIndex {
  readonly #byOwner = new Map<string, Map<string, Pod>>();
  readonly #ownerOf = new Map<string, string>();

  apply(pod: Pod, deleted: boolean): void {
    const key = objectKey(pod);
    const before = this.#ownerOf.get(key);
    if (before !== undefined) {
      this.#byOwner.get(before)?.delete(key);
      if (this.#byOwner.get(before)?.size === 0) this.#byOwner.delete(before);
      this.#ownerOf.delete(key);
    }
    const owner = controllerOf(pod)?.uid;
    if (deleted || owner === undefined) return;
    this.#ownerOf.set(key, owner);
    const pods = this.#byOwner.get(owner) ?? new Map<string, Pod>();
    pods.set(key, pod);
    this.#byOwner.set(owner, pods);
  }

  ownedBy(uid: string | undefined): Pod[] {
    return uid === undefined ? [] : [...(this.#byOwner.get(uid)?.values() ?? [])];
  }
}

interface Pending {
  adds: Set<string>;
  deletes: Set<string>;
  deadline: number;
}

export class Expectations {
  readonly #pending = new Map<string, Pending>();
  readonly #now: () => number;
  readonly #ttlMs: number;

  constructor(now: () => number, ttlMs = 30_000) {
    this.#now = now;
    this.#ttlMs = ttlMs;
  }

  #entry(key: string): Pending {
    const e = this.#pending.get(key) ?? { adds: new Set<string>(), deletes: new Set<string>(), deadline: 0 };
    this.#pending.set(key, e);
    e.deadline = this.#now() + this.#ttlMs;
    return e;
  }

  expectAdd(key: string, pod: string): void {
    this.#entry(key).adds.add(pod);
  }

  expectDelete(key: string, pod: string): void {
    this.#entry(key).deletes.add(pod);
  }

  /** The write did not happen (or found nothing): nothing to wait for. */
  cancel(key: string, pod: string): void {
    const e = this.#pending.get(key);
    e?.adds.delete(pod);
    e?.deletes.delete(pod);
  }

  /** The cache showed `pod` of ReplicaSet `key` (added or deleted). */
  observe(key: string, pod: string, deleted: boolean): void {
    const e = this.#pending.get(key);
    if (!e) return;
    if (deleted) e.deletes.delete(pod);
    else e.adds.delete(pod);
    if (e.adds.size === 0 && e.deletes.size === 0) this.#pending.delete(key);
  }

  /** Ms until the expectations of `key` expire, or undefined when there are none left. */
  pendingMs(key: string): number | undefined {
    const e = this.#pending.get(key);
    if (!e) return undefined;
    const left = e.deadline - this.#now();
    if (left > 0 && (e.adds.size > 0 || e.deletes.size > 0)) return left;
    this.#pending.delete(key);
    return undefined;
  }
}
