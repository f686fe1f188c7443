// Per-node rate limit on upstream messages: one token bucket per connected
// node (KubeEdge's defaults: 30 messages a second, bursts of 60). Every
// upstream message but keepalives and answers to the cloud's own messages
// takes a token; one that finds the bucket empty is refused
// (KEDGE_WIRE_RATE_LIMITED, retryable, so an edge outbox resends it later)
// and counted, and the session stays up, except a pod's status, which waits
// for a token instead (status-parking.ts). A node flooding the cloud costs it
// at most `qps` handled messages a second.
import { Operations, type Message } from '@kedge/api';
import type { Logger } from '@kedge/runtime';

export interface RateLimit {
  /** Tokens added per second. */
  qps: number;
  /** Bucket size: the most messages accepted at once after a quiet spell. */
  burst: number;
}

export const DEFAULT_NODE_RATE_LIMIT: Readonly<RateLimit> = Object.freeze({ qps: 30, burst: 60 });

/**
 * Messages that take no token: keepalives, and answers (`response` /
 * `error` naming a parent) to what the cloud sent: a node acks every object
 * the cloud sends it, so a burst of pods would otherwise use up the bucket
 * and leave no room for their status. An answer costs the cloud no store
 * write of its own choosing (an ack moves an object-sync record of an object
 * the cloud sent; an answer to nothing is ignored), like a keepalive.
 */
export function exemptFromRateLimit(msg: Message): boolean {
  const op = msg.route.operation;
  if (op === Operations.keepalive) return true;
  return (op === Operations.response || op === Operations.error) && Boolean(msg.header.parent_msg_id);
}

/** Refusals of one node are logged at most this often (the count says how many). */
const LOG_EVERY_MS = 10_000;

export class TokenBucket {
  private tokens: number;
  private last: number;
  private readonly limit: RateLimit;

  constructor(limit: RateLimit, now: number) {
    this.limit = limit;
    this.tokens = limit.burst;
    this.last = now;
  }

  /** Takes one token; false when the bucket is empty. */
  take(now: number): boolean {
    this.refill(now);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Milliseconds until take() can succeed (0: now). */
  msUntilToken(now: number): number {
    this.refill(now);
    return this.tokens >= 1 ? 0 : Math.ceil(((1 - this.tokens) / this.limit.qps) * 1000);
  }

  private refill(now: number): void {
    const elapsed = Math.max(0, now - this.last) / 1000;
    this.tokens = Math.min(this.limit.burst, this.tokens + elapsed * this.limit.qps);
    this.last = Math.max(this.last, now);
  }
}

interface NodeBudget {
  bucket: TokenBucket;
  refused: number;
  refusedSinceLog: number;
  loggedAt: number;
}

export class UpstreamRateLimiter {
  private readonly limit: RateLimit;
  private readonly log: Logger;
  private readonly nodes = new Map<string, NodeBudget>();

  constructor(limit: RateLimit, log: Logger) {
    this.limit = limit;
    this.log = log;
  }

  /** True when `node` may send one more message now; a refusal is counted (and logged, throttled). */
  allow(node: string, now: number): boolean {
    const budget = this.budget(node, now);
    if (budget.bucket.take(now)) return true;
    budget.refused += 1;
    budget.refusedSinceLog += 1;
    if (now - budget.loggedAt >= LOG_EVERY_MS) {
      this.log.warn(
        {
          node,
          code: 'KEDGE_WIRE_RATE_LIMITED',
          refused: budget.refusedSinceLog,
          refusedTotal: budget.refused,
        },
        `node sends faster than ${this.limit.qps} messages/s (burst ${this.limit.burst}); excess refused`,
      );
      budget.loggedAt = now;
      budget.refusedSinceLog = 0;
    }
    return false;
  }

  /** Takes a token for a message that waited for one (status-parking.ts); no refusal is counted. */
  takeWaiting(node: string, now: number): boolean {
    return this.budget(node, now).bucket.take(now);
  }

  private budget(node: string, now: number): NodeBudget {
    let budget = this.nodes.get(node);
    if (!budget) {
      budget = {
        bucket: new TokenBucket(this.limit, now),
        refused: 0,
        refusedSinceLog: 0,
        loggedAt: -Infinity,
      };
      this.nodes.set(node, budget);
    }
    return budget;
  }

  /** Milliseconds until `node` may send its next message (0: now). */
  waitMs(node: string, now: number): number {
    return this.nodes.get(node)?.bucket.msUntilToken(now) ?? 0;
  }

  /** Messages of `node` refused since its session started. */
  refused(node: string): number {
    return this.nodes.get(node)?.refused ?? 0;
  }

  /** The node's session ended. */
  forget(node: string): void {
    this.nodes.delete(node);
  }
}
