// One connected edge node: its socket, liveness and the serial queue its
// upstream messages are handled in (so a node's messages keep their order).
import type { Message } from '@kedge/api';
import type { Logger } from '@kedge/runtime';
import type { WebSocket } from 'ws';
import { closeReason } from './close-codes.ts';

export interface NodeSessionInfo {
  nodeName: string;
  projectId: string;
  edgecoreVersion: string;
  remoteAddress: string;
}

export class NodeSession {
  readonly info: NodeSessionInfo;
  readonly connectedAt: number;
  lastSeen: number;
  registered = false;
  closed = false;
  /** Set when the cloud ends the session, so the close is reported with the cloud's reason. */
  closedByCloud: { code: number; reason: string } | undefined;
  private readonly socket: WebSocket;
  private readonly log: Logger;
  private readonly maxBufferedBytes: number;
  private chain: Promise<void> = Promise.resolve();
  /** Upstream messages taken by tryEnqueue and not handled yet. */
  private waiting = 0;

  constructor(socket: WebSocket, info: NodeSessionInfo, now: number, log: Logger, maxBufferedBytes: number) {
    this.socket = socket;
    this.info = info;
    this.connectedAt = now;
    this.lastSeen = now;
    this.log = log;
    this.maxBufferedBytes = maxBufferedBytes;
  }

  get nodeName(): string {
    return this.info.nodeName;
  }

  /**
   * Sends one message. A node that stops reading (send buffer over the limit)
   * is disconnected rather than buffered without bound; the state-based
   * resend after it reconnects makes up what it missed.
   */
  send(msg: Message): boolean {
    if (this.closed) return false;
    if (this.socket.bufferedAmount > this.maxBufferedBytes) {
      this.close(1013, `send buffer over ${this.maxBufferedBytes} bytes; node is not reading`);
      return false;
    }
    this.socket.send(JSON.stringify(msg), (err) => {
      if (err) this.log.warn({ node: this.nodeName, err: err.message }, 'send failed');
    });
    return true;
  }

  /** Runs `work` after every earlier message of this node was handled. */
  enqueue(work: () => Promise<void>): void {
    this.chain = this.chain.then(work).catch((err: unknown) => {
      this.log.error({ node: this.nodeName, err }, 'upstream handler failed');
    });
  }

  /**
   * Queues one upstream message's handling unless `max` are already waiting
   * (the store is slower than the node): then false, and the caller refuses
   * the message so the node's outbox resends it later.
   */
  tryEnqueue(work: () => Promise<void>, max: number): boolean {
    if (this.waiting >= max) return false;
    this.waiting += 1;
    this.enqueue(() => work().finally(() => (this.waiting -= 1)));
    return true;
  }

  /** Upstream messages of this node received and not handled yet. */
  get upstreamWaiting(): number {
    return this.waiting;
  }

  /** Resolves when every queued upstream message has been handled. */
  drained(): Promise<void> {
    return this.chain;
  }

  ping(): void {
    if (!this.closed) this.socket.ping();
  }

  close(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.closedByCloud = { code, reason };
    this.socket.close(code, closeReason(reason));
    // A peer that never completes the close handshake is cut off.
    // eslint-disable-next-line no-restricted-globals -- socket cut-off after a close, unref so it never holds the process; not a component timer
    setTimeout(() => this.socket.terminate(), 2000).unref();
  }
}
