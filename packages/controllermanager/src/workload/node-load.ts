// What is already on each node, kept incrementally from pod events so that
// placing a pod costs one look per node, not a scan of every pod: pod count,
// summed requests and pods per controller owner. Pods the placer bound but
// the cache has not shown yet are "assumed" and count too.
import type { Pod } from '@kedge/api';
import { podRequests } from './node-facts.ts';
import { isPodActive } from './rollout-math.ts';
import { objectKey } from './workload-keys.ts';
import { controllerOf } from './workload-view.ts';

export interface NodeUsage {
  readonly pods: number;
  readonly requests: ReadonlyMap<string, number>;
  readonly byOwner: ReadonlyMap<string, number>;
}

interface Share {
  node: string;
  requests: Map<string, number>;
  owner: string | undefined;
  assumed: boolean;
}

interface Usage {
  pods: number;
  requests: Map<string, number>;
  byOwner: Map<string, number>;
}

const EMPTY: NodeUsage = { pods: 0, requests: new Map(), byOwner: new Map() };

export class NodeLoad {
  readonly #usage = new Map<string, Usage>();
  readonly #shares = new Map<string, Share>();

  static fromPods(pods: Pod[]): NodeLoad {
    const load = new NodeLoad();
    for (const p of pods) load.apply(p, false);
    return load;
  }

  usage(node: string): NodeUsage {
    return this.#usage.get(node) ?? EMPTY;
  }

  /** A pod event from the cache. */
  apply(pod: Pod, deleted: boolean): void {
    const key = objectKey(pod);
    const before = this.#shares.get(key);
    const node = !deleted && isPodActive(pod) ? pod.spec.nodeName : undefined;
    if (node === undefined && before?.assumed && !deleted && isPodActive(pod)) return; // bound, not yet seen
    if (before) this.#add(before, -1);
    this.#shares.delete(key);
    if (node !== undefined) this.#put(key, pod, node, false);
  }

  /** The placer bound `pod` to `node`; count it before the cache shows it. */
  assume(pod: Pod, node: string): void {
    const key = objectKey(pod);
    const before = this.#shares.get(key);
    if (before) this.#add(before, -1);
    this.#put(key, pod, node, true);
  }

  #put(key: string, pod: Pod, node: string, assumed: boolean): void {
    const share: Share = { node, requests: podRequests(pod), owner: controllerOf(pod)?.uid, assumed };
    this.#shares.set(key, share);
    this.#add(share, 1);
  }

  #add(share: Share, sign: 1 | -1): void {
    const u = this.#usage.get(share.node) ?? { pods: 0, requests: new Map(), byOwner: new Map() };
    u.pods += sign;
    for (const [k, v] of share.requests) u.requests.set(k, (u.requests.get(k) ?? 0) + sign * v);
    if (share.owner) u.byOwner.set(share.owner, (u.byOwner.get(share.owner) ?? 0) + sign);
    if (u.pods <= 0) this.#usage.delete(share.node);
    else this.#usage.set(share.node, u);
  }
}
