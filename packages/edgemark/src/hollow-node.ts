// One hollow edge node: a fake edgecore that speaks the tunnel protocol as
// EdgeHub does (headers, register, keepalive, reconnect with backoff and
// jitter, acks for cloud resource messages, sync reports kept until the cloud
// acks them) but has no modules, no database and no timers of its own: every
// delay runs on the fleet's timer wheel and every dial waits for a ramp slot.
import {
  MessageSchema,
  Operations,
  WireErrorContentSchema,
  WireGroups,
  errorMessage,
  type Message,
} from '@kedge/api';
import { Backoff, resendDelayMs, type Logger } from '@kedge/runtime';
import { WebSocket, type RawData } from 'ws';
import type { FleetCounters } from './fleet-stats.ts';
import type { ResolvedFleetOptions } from './fleet-options.ts';
import { HollowPods } from './hollow-pods.ts';
import {
  ACKED_RESOURCE_OPERATIONS,
  hollowAddress,
  hollowRegisterContent,
  keepaliveMessage,
  registerMessage,
  resourceAck,
} from './hollow-messages.ts';
import { firstKeepaliveAt } from './keepalive-schedule.ts';
import type { RampLimiter, Release } from './ramp-limiter.ts';
import type { TimerWheel, WheelTimer } from './timer-wheel.ts';

/** What a node shares with the rest of its fleet. */
export interface FleetRuntime {
  readonly o: ResolvedFleetOptions;
  readonly wheel: TimerWheel;
  readonly ramp: RampLimiter;
  readonly counters: FleetCounters;
  readonly log: Logger;
  /** Keepalive phases count from this time. */
  readonly origin: number;
}

export type HollowNodeState =
  | 'idle'
  | 'waiting' // for its (re)connect delay
  | 'queued' // for a ramp slot
  | 'connecting'
  | 'registering'
  | 'registered'
  | 'stopped';

interface PendingReport {
  msg: Message;
  sentAt: number | undefined;
  /** Times sent so far: each resend waits twice as long as the one before (resendDelayMs). */
  sends: number;
}

/** Frames queued in the socket beyond this are not added to (the cloud is not reading). */
const MAX_BUFFERED_BYTES = 1 << 20;

export class HollowNode {
  readonly name: string;
  readonly index: number;
  private readonly rt: FleetRuntime;
  private readonly token: string;
  private readonly phaseMs: number;
  private readonly backoff: Backoff;
  private current: HollowNodeState = 'idle';
  private ws: WebSocket | undefined;
  private opened = false;
  private release: Release | undefined;
  private registerId: string | undefined;
  /** The connect delay or the handshake deadline, whichever is pending. */
  private timer: WheelTimer | undefined;
  private beat: WheelTimer | undefined;
  /** Sync reports not yet acknowledged, by msg_id; created on first use. */
  private reports: Map<string, PendingReport> | undefined;
  /** The hollow edged's pods (instantPods); created on the first pod. */
  private pods: HollowPods | undefined;

  constructor(rt: FleetRuntime, index: number, phaseMs: number) {
    this.rt = rt;
    this.index = index;
    this.name = `${rt.o.prefix}-${index}`;
    this.token = rt.o.tokenFor(this.name);
    this.phaseMs = phaseMs;
    this.backoff = new Backoff({
      initialMs: rt.o.reconnectInitialMs,
      maxMs: rt.o.reconnectMaxMs,
      jitter: 0.3,
    });
  }

  get state(): HollowNodeState {
    return this.current;
  }

  /** The edgecore version this node registers with (the fleet's `edgecoreVersion`). */
  get edgecoreVersion(): string {
    return this.rt.o.edgecoreVersion;
  }

  /** Reports sent (or waiting to be) that the cloud has not acknowledged yet. */
  get pendingReports(): number {
    return this.reports?.size ?? 0;
  }

  /** Starts dialling after `delayMs`. */
  start(delayMs = 0): void {
    if (this.current !== 'idle') return;
    this.waitThenDial(delayMs);
  }

  /** Closes the tunnel (1001, as edgecore does when it stops) and never reconnects. */
  stop(): void {
    if (this.current === 'stopped') return;
    this.setState('stopped');
    this.clearTimers();
    this.release?.();
    this.release = undefined;
    const ws = this.ws;
    if (!ws) return;
    if (ws.readyState === WebSocket.OPEN) ws.close(1001, 'edgecore stopping');
    else if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
  }

  /** Drops the socket without a close handshake. */
  terminate(): void {
    this.ws?.terminate();
  }

  /** Sends messages the cloud must acknowledge (header.sync), now if connected and again until acked. */
  report(messages: readonly Message[]): void {
    for (const m of messages) {
      const msg: Message = { ...m, header: { ...m.header, sync: true } };
      this.reports ??= new Map();
      if (!this.reports.has(msg.header.msg_id)) this.rt.counters.add('reportsPending');
      const entry: PendingReport = { msg, sentAt: undefined, sends: 0 };
      this.reports.set(msg.header.msg_id, entry);
      this.sendReport(entry);
    }
  }

  /** Sends one frame if registered and the socket keeps up; false otherwise. */
  send(msg: Message): boolean {
    const ws = this.ws;
    if (this.current !== 'registered' || !ws || ws.readyState !== WebSocket.OPEN) return false;
    if (ws.bufferedAmount > MAX_BUFFERED_BYTES) return false;
    ws.send(JSON.stringify(msg));
    return true;
  }

  private waitThenDial(delayMs: number): void {
    this.setState('waiting');
    this.timer = this.rt.wheel.schedule(delayMs, () => this.dial());
  }

  private dial(): void {
    this.timer = undefined;
    this.setState('queued');
    this.rt.ramp.acquire().then(
      (release) => {
        if (this.current !== 'queued') {
          release();
          return;
        }
        this.release = release;
        this.open();
      },
      () => undefined, // the fleet is stopping; stop() already set the state
    );
  }

  private open(): void {
    const o = this.rt.o;
    this.setState('connecting');
    this.rt.counters.add('dials');
    const scheme = o.ca ? 'wss' : 'ws';
    const base = /^wss?:\/\//.test(o.server) ? o.server.replace(/\/+$/, '') : `${scheme}://${o.server}`;
    const url = `${base}/${encodeURIComponent(o.projectId)}/${encodeURIComponent(this.name)}/events`;
    const clientCert = o.clientCertFor?.(this.name);
    let ws: WebSocket;
    try {
      ws = new WebSocket(url, {
        headers: {
          node_id: this.name,
          project_id: o.projectId,
          ...(clientCert ? {} : { authorization: `Bearer ${this.token}` }),
          'x-kedge-edgecore-version': o.edgecoreVersion,
        },
        maxPayload: o.maxMessageBytes,
        perMessageDeflate: false,
        ...(o.ca ? { ca: o.ca } : {}),
        ...(clientCert ?? {}),
      });
    } catch (err: unknown) {
      this.rt.log.warn({ node: this.name, err: errorMessage(err) }, 'cannot dial the cloud');
      this.afterClose(1006);
      return;
    }
    this.ws = ws;
    this.rt.counters.add('sockets');
    this.timer = this.rt.wheel.schedule(o.handshakeTimeoutMs, () => this.handshakeTimedOut());
    ws.on('open', () => this.onOpen());
    ws.on('message', (data, isBinary) => this.onFrame(data, isBinary));
    ws.on('error', (err) => this.rt.log.debug({ node: this.name, err: err.message }, 'tunnel error'));
    ws.on('close', (code) => {
      this.rt.counters.add('sockets', -1);
      this.ws = undefined;
      this.afterClose(code);
    });
  }

  private onOpen(): void {
    this.opened = true;
    this.rt.counters.add('connected');
    if (this.current === 'stopped') return;
    if (this.rt.o.protocol === 'raw') {
      this.registered();
      return;
    }
    this.setState('registering');
    const msg = registerMessage(
      this.name,
      hollowRegisterContent(this.index, this.rt.o.edgecoreVersion, this.rt.o.labels),
    );
    this.registerId = msg.header.msg_id;
    this.ws?.send(JSON.stringify(msg));
  }

  private registered(): void {
    this.timer?.cancel();
    this.timer = undefined;
    this.release?.();
    this.release = undefined;
    this.setState('registered');
    this.backoff.reset();
    const { wheel, origin, o } = this.rt;
    const first = firstKeepaliveAt(o.clock.now(), origin, this.phaseMs, o.heartbeatMs);
    this.beat = wheel.every(first, o.heartbeatMs, () => this.onBeat());
    if (this.reports) for (const entry of this.reports.values()) this.sendReport(entry);
  }

  private handshakeTimedOut(): void {
    this.timer = undefined;
    this.rt.log.debug({ node: this.name, timeoutMs: this.rt.o.handshakeTimeoutMs }, 'handshake timed out');
    this.ws?.terminate();
  }

  private afterClose(code: number): void {
    if (this.opened) this.rt.counters.add('connected', -1);
    this.opened = false;
    this.clearTimers();
    this.release?.();
    this.release = undefined;
    this.registerId = undefined;
    this.rt.counters.closed(code);
    if (this.current === 'stopped') return;
    this.setState('idle');
    this.rt.counters.add('reconnects');
    this.waitThenDial(this.backoff.next());
  }

  private onBeat(): void {
    if (this.send(keepaliveMessage())) this.rt.counters.add('keepalivesSent');
    if (!this.reports || this.reports.size === 0) return;
    const now = this.rt.o.clock.now();
    for (const entry of this.reports.values())
      if (
        entry.sentAt === undefined ||
        now - entry.sentAt >= resendDelayMs(this.rt.o.resendAfterMs, entry.sends)
      )
        this.sendReport(entry);
  }

  private onFrame(data: RawData, isBinary: boolean): void {
    this.rt.counters.add('framesReceived');
    const msg = isBinary ? undefined : parseMessage(data);
    if (!msg) {
      this.rt.log.warn({ node: this.name }, 'invalid frame from the cloud ignored');
      return;
    }
    const op = msg.route.operation;
    const parent = msg.header.parent_msg_id;
    if ((op === Operations.response || op === Operations.error) && parent) {
      if (parent === this.registerId) this.onRegisterReply(msg);
      else this.settleReport(parent, msg);
      return;
    }
    if (msg.route.group === WireGroups.resource && ACKED_RESOURCE_OPERATIONS.has(op)) {
      if (this.send(resourceAck(msg))) this.rt.counters.add('resourceAcks');
      this.rt.o.onResource?.(this, msg, frameBytes(data));
      if (this.rt.o.instantPods) this.onObject(msg);
      return;
    }
    if (msg.route.group === WireGroups.taskManager) {
      this.onTask(msg);
      return;
    }
    this.rt.log.debug({ node: this.name, group: msg.route.group, operation: op }, 'cloud message dropped');
  }

  /** The hollow edged: a pod that arrives runs at once; its status goes up as a sync report. */
  private onObject(msg: Message): void {
    this.pods ??= new HollowPods(this.index, hollowAddress(this.index));
    const out = this.pods.onObject(msg, this.rt.o.clock.now());
    if (!out) return;
    if (out.state === 'running') this.rt.counters.add('podsStarted');
    this.report([out.report]);
  }

  private onRegisterReply(reply: Message): void {
    this.registerId = undefined;
    if (reply.route.operation === Operations.response) {
      if (this.current === 'registering') this.registered();
      return;
    }
    this.rt.counters.add('registerRejected');
    this.rt.log.warn({ node: this.name, content: reply.content }, 'cloud refused registration');
    this.ws?.terminate();
  }

  private onTask(msg: Message): void {
    this.rt.counters.add('tasksReceived');
    const handler = this.rt.o.onTask;
    if (!handler) {
      this.rt.log.debug({ node: this.name, resource: msg.route.resource }, 'task dropped: no task handler');
      return;
    }
    Promise.resolve()
      .then(() => handler(this, msg))
      .then(
        (reports) => this.report(reports),
        (err: unknown) => {
          this.rt.counters.add('taskErrors');
          this.rt.log.warn(
            {
              node: this.name,
              msgId: msg.header.msg_id,
              resource: msg.route.resource,
              err: errorMessage(err),
            },
            'task handler failed',
          );
        },
      );
  }

  private settleReport(msgId: string, reply: Message): void {
    const entry = this.reports?.get(msgId);
    if (!entry) return; // an answer to something already settled
    if (reply.route.operation === Operations.error) {
      const err = WireErrorContentSchema.safeParse(reply.content);
      if (err.success && err.data.retryable) return; // stays pending; resent on a later beat
      this.rt.counters.add('reportsRejected');
      this.rt.log.warn({ node: this.name, msgId, content: reply.content }, 'cloud rejected a report');
    } else {
      this.rt.counters.add('reportsAcked');
    }
    this.reports?.delete(msgId);
    this.rt.counters.add('reportsPending', -1);
  }

  private sendReport(entry: PendingReport): void {
    if (!this.send(entry.msg)) return;
    entry.sentAt = this.rt.o.clock.now();
    entry.sends++;
    this.rt.counters.add('reportsSent');
  }

  private setState(next: HollowNodeState): void {
    if (this.current === 'registered' && next !== 'registered') this.rt.counters.add('registered', -1);
    if (next === 'registered' && this.current !== 'registered') this.rt.counters.add('registered');
    this.current = next;
  }

  private clearTimers(): void {
    this.timer?.cancel();
    this.timer = undefined;
    this.beat?.cancel();
    this.beat = undefined;
  }
}

function parseMessage(data: RawData): Message | undefined {
  try {
    const buf = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
    const text = buf.toString('utf8');
    const result = MessageSchema.safeParse(JSON.parse(text));
    return result.success ? result.data : undefined;
  } catch {
    return undefined; // not JSON: reported by the caller as an invalid frame
  }
}

function frameBytes(data: RawData): number {
  if (Array.isArray(data)) return data.reduce((n, b) => n + b.length, 0);
  return data.byteLength;
}
