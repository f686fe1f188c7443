// Pod status that finds its node's token bucket empty waits for a token
// instead of being refused. A node that starts a burst of pods reports each
// one's status at once; refused, each would come back only when the edge
// outbox resends it (seconds later), so a pod would turn Running in the store
// late for no reason but the limit. Parked, the newest status of each pod
// (by resource) is handled as soon as the bucket has a token again, oldest
// pod first: a status that replaces a parked one of the same pod answers the
// replaced one (the newer supersedes it, as the edge outbox itself does).
// The node still gets at most `qps` handled messages a second, and a flood
// of statuses costs one parked message per pod, at most MAX_PARKED per node;
// beyond that (or anything but a pod status) the limiter refuses as before.
import { Operations, ResourceTypes, WireGroups, parseEdgeResource, replyTo, type Message } from '@kedge/api';
import type { Clock, Logger } from '@kedge/runtime';
import type { NodeSession } from './node-session.ts';
import type { UpstreamRateLimiter } from './upstream-rate-limit.ts';

/** Pods of one node whose status may wait for a token at once (kubelet's default maxPods is 110). */
export const MAX_PARKED = 256;

/** A pod status a node reports, answered by the cloud (header.sync). */
export function isParkableStatus(msg: Message): boolean {
  return (
    msg.header.sync === true &&
    msg.route.group === WireGroups.resource &&
    (msg.route.operation === Operations.update || msg.route.operation === Operations.patch) &&
    parseEdgeResource(msg.route.resource)?.type === ResourceTypes.podstatus
  );
}

interface Parked {
  session: NodeSession;
  /** resource -> the newest status of that pod, in the order the pods first waited. */
  byResource: Map<string, Message>;
  stop: AbortController;
}

export interface StatusParkingOptions {
  limiter: UpstreamRateLimiter;
  clock: Clock;
  log: Logger;
  /** Hands a message that got its token to the session's handling (as an admitted frame). */
  admit: (session: NodeSession, msg: Message) => void;
}

export class StatusParking {
  readonly #o: StatusParkingOptions;
  readonly #nodes = new Map<string, Parked>();

  constructor(o: StatusParkingOptions) {
    this.#o = o;
  }

  /** Statuses of `node` waiting now. */
  waiting(node: string): number {
    return this.#nodes.get(node)?.byResource.size ?? 0;
  }

  /** A status of this pod is waiting: a newer one must wait behind it, not overtake it. */
  holds(node: string, msg: Message): boolean {
    return this.#nodes.get(node)?.byResource.has(msg.route.resource) ?? false;
  }

  /** Parks a pod status until the node has a token; false when the node has MAX_PARKED waiting already. */
  park(session: NodeSession, msg: Message): boolean {
    const node = session.nodeName;
    let parked = this.#nodes.get(node);
    if (parked && parked.session !== session) {
      this.forget(node);
      parked = undefined;
    }
    const before = parked?.byResource.get(msg.route.resource);
    if (!before && (parked?.byResource.size ?? 0) >= MAX_PARKED) return false;
    if (parked) {
      parked.byResource.set(msg.route.resource, msg);
    } else {
      parked = { session, byResource: new Map([[msg.route.resource, msg]]), stop: new AbortController() };
      this.#nodes.set(node, parked);
      void this.#drain(node, parked);
    }
    if (before) session.send(replyTo(before, 'cloudhub', 'OK'));
    return true;
  }

  /** The node's session ended: what waits is dropped (its outbox resends it after the reconnect). */
  forget(node: string): void {
    const parked = this.#nodes.get(node);
    if (!parked) return;
    parked.stop.abort();
    this.#nodes.delete(node);
  }

  async #drain(node: string, parked: Parked): Promise<void> {
    const { limiter, clock } = this.#o;
    try {
      while (parked.byResource.size > 0 && !parked.stop.signal.aborted && !parked.session.closed) {
        const wait = limiter.waitMs(node, clock.now());
        if (wait > 0) await clock.sleep(wait, parked.stop.signal);
        if (!limiter.takeWaiting(node, clock.now())) continue;
        const [resource, msg] = parked.byResource.entries().next().value as [string, Message];
        parked.byResource.delete(resource);
        this.#o.admit(parked.session, msg);
      }
    } catch {
      // aborted: the session ended
    } finally {
      if (this.#nodes.get(node) === parked) this.#nodes.delete(node);
    }
  }
}
