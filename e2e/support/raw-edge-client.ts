// A hand-driven edge connection for tests that must send what a real
// edgecore never would (malformed, oversize, impersonating frames).
import { newMessage, type Message } from '@kedge/api';
import { WebSocket } from 'ws';

export class RawEdgeClient {
  readonly ws: WebSocket;
  readonly received: Message[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.on('message', (data) => {
      try {
        this.received.push(JSON.parse(Buffer.isBuffer(data) ? data.toString('utf8') : '') as Message);
      } catch {
        // not ours to judge here
      }
    });
    this.closed = new Promise((resolve) =>
      ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })),
    );
  }

  static async connect(address: string, nodeName: string, token: string): Promise<RawEdgeClient> {
    const ws = new WebSocket(`ws://${address}/p/${nodeName}/events`, {
      headers: { node_id: nodeName, project_id: 'p', authorization: `Bearer ${token}` },
    });
    const client = new RawEdgeClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return client;
  }

  send(msg: Message | string): void {
    this.ws.send(typeof msg === 'string' ? msg : JSON.stringify(msg));
  }

  /** Registers like edgecore does and waits for the cloud's answer. */
  async register(nodeName: string, labels?: Record<string, string>): Promise<Message> {
    const msg = newMessage({
      source: 'websocket',
      group: 'resource',
      operation: 'insert',
      resource: `null/node/${nodeName}`,
      content: { edgecoreVersion: 'v0.0.1-raw', ...(labels ? { labels } : {}) },
      sync: true,
    });
    this.send(msg);
    return this.replyTo(msg.header.msg_id);
  }

  async replyTo(msgId: string, timeoutMs = 10_000): Promise<Message> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const reply = this.received.find((m) => m.header.parent_msg_id === msgId);
      if (reply) return reply;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`no reply to ${msgId} within ${timeoutMs} ms`);
  }

  close(): void {
    this.ws.close();
  }
}
