// DownstreamController: everything cloudcore sends to its nodes goes out
// here, whatever produced it (node tasks today, pod and object sync next).
// It sends through the node's CloudHub session, which is the one place that
// keeps a node's messages in order (one socket, written in call order) and
// bounds what waits for it (a node that stops reading is disconnected at the
// session's send-buffer limit rather than buffered without end). On top it
// remembers, per stream and node, which version went out on which session,
// so a producer re-sends after a reconnect or a restart of this replica and
// never twice on one session; and it tells producers when a node registers.
import { errorMessage, type Message } from '@kedge/api';
import type { Logger } from '@kedge/runtime';
import type { CloudHub } from '../../cloudhub/cloud-hub.ts';
import type { NodeSession } from '../../cloudhub/node-session.ts';

export interface DownstreamControllerOptions {
  hub: Pick<CloudHub, 'session' | 'send'>;
  log: Logger;
}

/** sent; already-sent (this version is on the node's current session); not-sent (no open session, or it refused). */
export type SendOutcome = 'sent' | 'already-sent' | 'not-sent';

interface Sent {
  version: string;
  session: NodeSession;
}

export class DownstreamController {
  readonly #o: DownstreamControllerOptions;
  readonly #log: Logger;
  /** stream -> node -> what went out last. */
  readonly #sent = new Map<string, Map<string, Sent>>();
  readonly #connectedListeners: ((node: string) => void)[] = [];

  constructor(options: DownstreamControllerOptions) {
    this.#o = options;
    this.#log = options.log.child({ module: 'downstream' });
  }

  /** Whether the node has a registered, open session on this replica. */
  connected(node: string): boolean {
    return this.#session(node) !== undefined;
  }

  /** Messages the node sent that wait in its queue here, unhandled (0 when not connected). */
  upstreamWaiting(node: string): number {
    return this.#session(node)?.upstreamWaiting ?? 0;
  }

  /** Sends `messages` in order on the node's session; false (and stops) at the first it does not take. */
  send(node: string, messages: readonly Message[]): boolean {
    if (!this.#session(node)) return false;
    for (const msg of messages) {
      if (!this.#o.hub.send(node, msg)) {
        this.#log.debug({ node, resource: msg.route.resource }, 'downstream message not sent');
        return false;
      }
    }
    return true;
  }

  /**
   * Sends what `build` makes unless `version` of `stream` already went out on
   * the node's current session (`force`: send anyway). `build` runs only when
   * something is sent.
   */
  sendOnce(
    node: string,
    stream: string,
    version: string,
    build: () => readonly Message[],
    options: { force?: boolean } = {},
  ): SendOutcome {
    const session = this.#session(node);
    if (!session) return 'not-sent';
    const last = this.#sent.get(stream)?.get(node);
    if (!options.force && last?.session === session && last.version === version) return 'already-sent';
    if (!this.send(node, build())) return 'not-sent';
    let nodes = this.#sent.get(stream);
    if (!nodes) this.#sent.set(stream, (nodes = new Map<string, Sent>()));
    nodes.set(node, { version, session });
    return 'sent';
  }

  /** The producer is done with `stream` (its job went away): what was sent on it is forgotten. */
  forgetStream(stream: string): void {
    this.#sent.delete(stream);
  }

  /** Calls `listener` whenever a node registered here (after its register reply went out). */
  onNodeConnected(listener: (node: string) => void): void {
    this.#connectedListeners.push(listener);
  }

  /** A node registered here: every producer gets to send what the node is owed (one that throws is logged). */
  nodeConnected(node: string): void {
    for (const listener of this.#connectedListeners) {
      try {
        listener(node);
      } catch (err: unknown) {
        this.#log.warn({ node, err: errorMessage(err) }, 'a downstream producer failed on node connect');
      }
    }
  }

  /** A session of the node ended: what went out on a session that is not the node's current one is forgotten. */
  nodeDisconnected(node: string): void {
    const current = this.#session(node);
    for (const [stream, nodes] of this.#sent) {
      const last = nodes.get(node);
      if (last && last.session !== current) nodes.delete(node);
      if (nodes.size === 0) this.#sent.delete(stream);
    }
  }

  #session(node: string): NodeSession | undefined {
    const session = this.#o.hub.session(node);
    return session?.registered && !session.closed ? session : undefined;
  }
}
