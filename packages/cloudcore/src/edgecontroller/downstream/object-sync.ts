// Object sync to the nodes held by this replica: on register it loads the
// node's ObjectSync records and sends only what is newer, missing or gone
// (a delete); afterwards every informer change of a node's desired set
// re-plans that node. At most one version per object UID is in flight on a
// session; the ack (ObjectAckContent) moves the record, an `error` reply or
// no ack within 30 s makes the object due again (the wait doubling with each
// further expiry of the node, up to 8 minutes, until it acks again: a node
// that acks late is busy, and a resend only adds to its backlog). Nothing polls the store:
// records plus the register-time diff make delivery reliable (docs/tunnel.md).
import { ObjectAckContentSchema, errorMessage, type Message } from '@kedge/api';
import { Backoff, resendDelayMs, systemClock, type Clock, type Logger } from '@kedge/runtime';
import type { ObjectSyncRecords } from '../../objectsync/object-sync-records.ts';
import type { NodeObjects } from '../node-objects.ts';
import { planSync, type SyncRecord, type SyncStep } from '../sync-plan.ts';
import { stepMessage } from './object-messages.ts';

/** What object sync needs of cloudcore's DownstreamController. */
export interface NodeSender {
  connected(node: string): boolean;
  send(node: string, messages: readonly Message[]): boolean;
  /** The node's messages received here and not handled yet (its acks may be among them). */
  upstreamWaiting?(node: string): number;
}

interface Pending {
  uid: string;
  /** The version sent, or 'delete'. */
  version: string;
  record: SyncRecord;
}

export interface ObjectSyncOptions {
  sender: NodeSender;
  objects: NodeObjects;
  records: ObjectSyncRecords;
  log: Logger;
  /** How long an object message may stay unacked before it is sent again (default 30 s). */
  ackTimeoutMs?: number;
  /** Time source for the refusal retry and the ack timeout (default systemClock). */
  clock?: Clock;
  /** Aborting it cancels the pending retries and ack timeouts. */
  signal?: AbortSignal;
}

const ACK_TIMEOUT_MS = 30_000;

export class ObjectSync {
  readonly #o: ObjectSyncOptions;
  readonly #log: Logger;
  /** node -> msg id -> what it carried. */
  readonly #pending = new Map<string, Map<string, Pending>>();
  /** msg id -> the node it went to. */
  readonly #byMsg = new Map<string, string>();
  readonly #ready = new Set<string>();
  readonly #scheduled = new Set<string>();
  /** node -> the sync running for it (one at a time per node). */
  readonly #running = new Map<string, Promise<void>>();
  /** node -> the delay before re-sending what the node refused; reset by its next ack. */
  readonly #retry = new Map<string, Backoff>();
  /** node -> ack timeouts expired since its last ack. */
  readonly #expiries = new Map<string, number>();
  readonly #clock: Clock;

  constructor(options: ObjectSyncOptions) {
    this.#o = options;
    this.#log = options.log.child({ module: 'objectsync' });
    this.#clock = options.clock ?? systemClock;
  }

  /** Calls `then` after `ms` on the clock, unless the owner's signal aborts first. */
  #after(ms: number, then: () => void): void {
    this.#clock.sleep(ms, this.#o.signal).then(then, () => undefined);
  }

  /** A node registered here (a new session): forget what was in flight, resume from its records. */
  async nodeConnected(node: string): Promise<void> {
    this.#dropPending(node);
    this.#ready.delete(node);
    this.#expiries.delete(node);
    await this.#o.objects.synced;
    await this.#o.records.load(node);
    this.#ready.add(node);
    await this.#serial(node);
  }

  /** The desired set of these nodes may have changed. */
  changed(nodes: Iterable<string>): void {
    for (const node of nodes) {
      if (!this.#ready.has(node) || this.#scheduled.has(node)) continue;
      this.#scheduled.add(node);
      setImmediate(() => {
        this.#scheduled.delete(node);
        void this.#serial(node);
      });
    }
  }

  /** Whether `msg` answers an object message this replica sent (to any node). */
  owns(msg: Message): boolean {
    const parent = msg.header.parent_msg_id;
    return parent !== undefined && this.#byMsg.has(parent);
  }

  /** The node's ack or error reply to one of our messages; the ack is recorded. */
  async answered(node: string, msg: Message): Promise<void> {
    const parent = msg.header.parent_msg_id ?? '';
    const sent = this.#pending.get(node)?.get(parent);
    if (!sent) {
      if (this.#byMsg.has(parent))
        this.#log.warn({ node, parent }, 'a reply to an object message sent to another node; ignored');
      return;
    }
    this.#pending.get(node)?.delete(parent);
    this.#byMsg.delete(parent);
    const ack = ObjectAckContentSchema.safeParse(msg.content);
    const fields = { node, uid: sent.uid, resource: msg.route.resource };
    if (msg.route.operation !== 'response' || !ack.success) {
      this.#log.warn({ ...fields, reply: msg.content }, 'object message refused by the node; sending again');
      let backoff = this.#retry.get(node);
      if (!backoff) this.#retry.set(node, (backoff = new Backoff({ initialMs: 1000, maxMs: 30_000 })));
      this.#after(backoff.next(), () => this.changed([node]));
      return;
    }
    const { outcome, objectResourceVersion } = ack.data;
    if (outcome === 'deleted' || outcome === 'absent' || objectResourceVersion === '') {
      this.#o.records.remove(node, sent.uid);
    } else {
      this.#o.records.set(node, sent.uid, { ...sent.record, resourceVersion: objectResourceVersion });
    }
    this.#retry.delete(node);
    this.#expiries.delete(node);
    this.#log.debug({ ...fields, outcome, resourceVersion: objectResourceVersion }, 'acked');
    this.changed([node]);
  }

  /** Runs a sync of `node` after the one running for it; never rejects. */
  #serial(node: string): Promise<void> {
    const run = (this.#running.get(node) ?? Promise.resolve())
      .then(() => this.#sync(node))
      .catch((err: unknown) => this.#log.warn({ node, err: errorMessage(err) }, 'object sync failed'));
    this.#running.set(node, run);
    void run.finally(() => {
      if (this.#running.get(node) === run) this.#running.delete(node);
    });
    return run;
  }

  async #sync(node: string): Promise<void> {
    if (!this.#ready.has(node) || !this.#o.sender.connected(node)) return;
    const pending = this.#pending.get(node) ?? new Map<string, Pending>();
    const inFlight = new Map([...pending.values()].map((p) => [p.uid, p.version]));
    const steps = planSync(this.#o.objects.desired(node), this.#o.records.of(node), inFlight);
    if (steps.length === 0) return;
    // A record before the first send: an object deleted while this replica is down is still deleted later.
    const firsts = steps.flatMap((s) => (s.op === 'insert' ? [s.target] : []));
    for (const t of firsts)
      this.#o.records.set(node, t.uid, { ...recordOf({ op: 'insert', target: t }), resourceVersion: '' });
    if (firsts.length > 0) await this.#o.records.flush(node);
    const messages = steps.map(stepMessage);
    this.#pending.set(node, pending);
    steps.forEach((s, i) => {
      const uid = s.op === 'delete' ? s.uid : s.target.uid;
      const version = s.op === 'delete' ? 'delete' : s.target.resourceVersion;
      pending.set(messages[i]!.header.msg_id, { uid, version, record: recordOf(s) });
    });
    for (const m of messages) this.#byMsg.set(m.header.msg_id, node);
    if (!this.#o.sender.send(node, messages)) {
      this.#dropPending(node);
      this.#log.info({ node }, 'node left before its objects went out; resuming on its next register');
      return;
    }
    if (this.#log.isLevelEnabled('debug'))
      this.#log.debug(
        { node, resources: messages.map((m) => `${m.route.operation} ${m.route.resource}`) },
        'objects sent',
      );
    const ids = messages.map((m) => m.header.msg_id);
    const timeout = resendDelayMs(
      this.#o.ackTimeoutMs ?? ACK_TIMEOUT_MS,
      (this.#expiries.get(node) ?? 0) + 1,
    );
    this.#after(timeout, () => this.#expire(node, ids));
  }

  /** Messages still unacked after the timeout are due again (the node may have dropped them). */
  #expire(node: string, ids: readonly string[]): void {
    if ((this.#o.sender.upstreamWaiting?.(node) ?? 0) > 0) {
      // The node is talking and we have not read it all yet: its ack may be waiting in our own queue.
      const timeout = resendDelayMs(this.#o.ackTimeoutMs ?? ACK_TIMEOUT_MS, 1);
      this.#after(timeout, () => this.#expire(node, ids));
      return;
    }
    const pending = this.#pending.get(node);
    const late = ids.filter((id) => pending?.delete(id) === true);
    if (late.length === 0) return;
    for (const id of late) this.#byMsg.delete(id);
    this.#expiries.set(node, (this.#expiries.get(node) ?? 0) + 1);
    this.#log.info({ node, unacked: late.length }, 'object messages not acked in time; sending again');
    this.changed([node]);
  }

  #dropPending(node: string): void {
    for (const id of this.#pending.get(node)?.keys() ?? []) this.#byMsg.delete(id);
    this.#pending.delete(node);
  }
}

function recordOf(s: SyncStep): SyncRecord {
  if (s.op === 'delete') return s.record;
  const { kind, namespace, name, resourceVersion } = s.target;
  return { kind, namespace, name, resourceVersion };
}
