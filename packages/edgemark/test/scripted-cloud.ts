// A cloud end of the tunnel that a test scripts frame by frame, on loopback:
// it records what each node sends and answers registration the way CloudHub
// does (optionally late, or not at all), so tests can drive what cloudcore
// does not send yet (resource messages, node tasks) and misbehave on purpose.
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Operations, replyTo, type Message } from '@kedge/api';
import { WebSocketServer, type WebSocket } from 'ws';

export interface Received {
  node: string;
  at: number;
  msg: Message;
}

export interface ScriptedCloudOptions {
  /** Delay before answering a register; default 0. */
  registerDelayMs?: number;
  /** Close code to refuse every connection with (like 4401); default: accept. */
  refuseWith?: number;
}

export class ScriptedCloud {
  readonly received: Received[] = [];
  readonly handshakes: { node: string; headers: IncomingMessage['headers'] }[] = [];
  /** Connections open and not yet answered a register, and the most seen at once. */
  pendingRegisters = 0;
  maxPendingRegisters = 0;
  private readonly wss: WebSocketServer;
  private readonly sockets = new Map<string, WebSocket>();
  private readonly o: ScriptedCloudOptions;

  private constructor(wss: WebSocketServer, o: ScriptedCloudOptions) {
    this.wss = wss;
    this.o = o;
    wss.on('connection', (ws, req) => this.onConnection(ws, req));
  }

  static async start(o: ScriptedCloudOptions = {}): Promise<ScriptedCloud> {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
    return new ScriptedCloud(wss, o);
  }

  get address(): string {
    return `127.0.0.1:${(this.wss.address() as AddressInfo).port}`;
  }

  from(node: string, operation?: string): Message[] {
    return this.received
      .filter((r) => r.node === node && (operation === undefined || r.msg.route.operation === operation))
      .map((r) => r.msg);
  }

  send(node: string, msg: Message): void {
    const ws = this.sockets.get(node);
    if (!ws) throw new Error(`scripted cloud: ${node} is not connected`);
    ws.send(JSON.stringify(msg));
  }

  /** Drops a node's connection without a close handshake. */
  drop(node: string): void {
    this.sockets.get(node)?.terminate();
  }

  async close(): Promise<void> {
    for (const ws of this.wss.clients) ws.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private onConnection(ws: WebSocket, req: IncomingMessage): void {
    const node = String(req.headers['node_id'] ?? '');
    this.handshakes.push({ node, headers: req.headers });
    if (this.o.refuseWith !== undefined) {
      ws.close(this.o.refuseWith, `node ${node}: refused by the scripted cloud`);
      return;
    }
    this.sockets.set(node, ws);
    let registered = false;
    this.pendingRegisters++;
    this.maxPendingRegisters = Math.max(this.maxPendingRegisters, this.pendingRegisters);
    ws.on('close', () => {
      if (this.sockets.get(node) === ws) this.sockets.delete(node);
      if (!registered) this.pendingRegisters--;
    });
    ws.on('message', (data) => {
      const msg = JSON.parse((data as Buffer).toString('utf8')) as Message; // ws hands text frames over as a Buffer
      this.received.push({ node, at: Date.now(), msg });
      if (msg.route.operation !== Operations.insert || msg.route.resource !== `null/node/${node}`) return;
      setTimeout(() => {
        if (ws.readyState !== ws.OPEN) return;
        if (!registered) this.pendingRegisters--;
        registered = true;
        ws.send(JSON.stringify(replyTo(msg, 'cloudhub', { kind: 'Node', metadata: { name: node } })));
      }, this.o.registerDelayMs ?? 0);
    });
  }
}
