// Test edge for object-sync integration tests: a raw WebSocket client that
// registers like edgecore, records every object message the cloud sends and
// acks it the way edgecore's metaManager does after its SQLite write
// (ObjectAckContent), unless told to stay silent. It can also send what a
// node may or may not send: queries and pod status.
import { newMessage, type Message, type ObjectAckContent } from '@kedge/api';
import { waitFor } from '@kedge/testing';
import { WebSocket, type RawData } from 'ws';
import { nodeToken } from '@kedge/tokens';

const OBJECT_OPS = ['insert', 'update', 'delete'];

export class ObjectEdge {
  readonly received: Message[] = [];
  /** Ack object messages (default true). */
  readonly acking: boolean;
  readonly #ws: WebSocket;

  private constructor(ws: WebSocket, acking: boolean) {
    this.#ws = ws;
    this.acking = acking;
    ws.on('message', (data: RawData) => {
      const msg = JSON.parse(String(data as Buffer)) as Message;
      this.received.push(msg);
      if (this.acking && msg.route.group === 'resource' && OBJECT_OPS.includes(msg.route.operation))
        this.send(this.#ack(msg));
    });
  }

  static async connect(port: number, node: string, secret: string, acking = true): Promise<ObjectEdge> {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/p/${node}/events`, {
      headers: { node_id: node, project_id: 'p', authorization: `Bearer ${nodeToken(secret, node)}` },
    });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const edge = new ObjectEdge(ws, acking);
    await edge.request('insert', `null/node/${node}`, { edgecoreVersion: 'v0.0.1-test' });
    return edge;
  }

  /** Object messages received (insert/update/delete), as `op resource@rv`. */
  objects(): string[] {
    return this.received
      .filter((m) => m.route.group === 'resource' && OBJECT_OPS.includes(m.route.operation))
      .map(
        (m) =>
          `${m.route.operation} ${m.route.resource}${m.header.resourceversion ? `@${m.header.resourceversion}` : ''}`,
      );
  }

  async waitForObjects(count: number, what: string): Promise<string[]> {
    return waitFor(() => (this.objects().length >= count ? this.objects() : undefined), {
      what,
      timeoutMs: 10_000,
    });
  }

  send(msg: Message): void {
    this.#ws.send(JSON.stringify(msg));
  }

  /** Sends a sync message and resolves with the cloud's reply. */
  async request(operation: string, resource: string, content: unknown): Promise<Message> {
    const msg = newMessage({ source: 'edged', group: 'resource', operation, resource, content, sync: true });
    this.send(msg);
    return waitFor(() => this.received.find((m) => m.header.parent_msg_id === msg.header.msg_id), {
      what: `the reply to ${operation} ${resource}`,
      timeoutMs: 10_000,
    });
  }

  async close(): Promise<void> {
    if (this.#ws.readyState === WebSocket.CLOSED) return;
    const closed = new Promise((r) => this.#ws.once('close', r));
    this.#ws.close();
    await closed;
  }

  #ack(msg: Message): Message {
    const meta = (msg.content as { metadata?: { uid?: string } } | null)?.metadata;
    const deleted = msg.route.operation === 'delete';
    const content: ObjectAckContent = {
      status: 'OK',
      objectUID: meta?.uid ?? '',
      objectResourceVersion: deleted ? '' : (msg.header.resourceversion ?? ''),
      outcome: deleted ? 'deleted' : 'applied',
    };
    return newMessage({
      source: 'metamanager',
      group: 'resource',
      operation: 'response',
      resource: msg.route.resource,
      parentId: msg.header.msg_id,
      content,
    });
  }
}
