// The per-node upstream rate limit on a real CloudHub over loopback: a burst
// of pods (each acked, each reporting its status) is not refused, it is
// paced; what a node floods with otherwise (Events) still is refused.
import { newMessage, type Message, type WireErrorContent } from '@kedge/api';
import { createLogger, systemClock } from '@kedge/runtime';
import { waitFor } from '@kedge/testing';
import { nodeToken } from '@kedge/tokens';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { CloudHub } from './cloud-hub.ts';
import { MAX_PARKED } from './status-parking.ts';

const SECRET = 'rate-limit-test-secret-0123456789abcdef';
const NODE = 'edge-1';
const LIMIT = { qps: 20, burst: 10 };

interface Handled {
  msg: Message;
  at: number;
}

async function start(rateLimit = LIMIT): Promise<{ hub: CloudHub; port: number; handled: Handled[] }> {
  const handled: Handled[] = [];
  const hub = new CloudHub({
    host: '127.0.0.1',
    port: 0,
    tokenSecret: SECRET,
    nodeLimit: 10,
    keepaliveTimeoutMs: 30_000,
    maxMessageBytes: 1 << 20,
    rateLimit,
    log: createLogger({ name: 'cloudhub-test', level: 'silent' }),
    clock: systemClock,
    handlers: {
      register: () => Promise.resolve({ ok: true }),
      message: (_s, msg) => {
        handled.push({ msg, at: Date.now() });
        return Promise.resolve(undefined);
      },
      closed: () => Promise.resolve(),
    },
  });
  return { hub, port: await hub.start(), handled };
}

class Edge {
  readonly replies = new Map<string, Message>();
  readonly ws: WebSocket;
  constructor(ws: WebSocket) {
    this.ws = ws;
    ws.on('message', (data: Buffer) => {
      const msg = JSON.parse(data.toString('utf8')) as Message;
      if (msg.header.parent_msg_id) this.replies.set(msg.header.parent_msg_id, msg);
    });
  }

  static async connect(port: number): Promise<Edge> {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/p/${NODE}/events`, {
      headers: { node_id: NODE, project_id: 'p', authorization: `Bearer ${nodeToken(SECRET, NODE)}` },
    });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const edge = new Edge(ws);
    const register = edge.send('insert', `null/node/${NODE}`, {}, true);
    await waitFor(() => edge.replies.has(register.header.msg_id), { what: 'register answer' });
    return edge;
  }

  send(operation: string, resource: string, content: unknown, sync: boolean, parentId?: string): Message {
    const msg = newMessage({
      source: 'edged',
      group: 'resource',
      operation,
      resource,
      content,
      sync,
      ...(parentId ? { parentId } : {}),
    });
    this.ws.send(JSON.stringify(msg));
    return msg;
  }

  status(pod: string, phase = 'Running'): Message {
    return this.send('update', `default/podstatus/${pod}`, { UID: '', Name: pod, Status: { phase } }, true);
  }

  event(name: string): Message {
    return this.send('insert', `default/event/${name}`, { metadata: { name } }, true);
  }

  code(msg: Message): string | undefined {
    const r = this.replies.get(msg.header.msg_id);
    if (!r) return undefined;
    return r.route.operation === 'error' ? (r.content as WireErrorContent).code : 'OK';
  }
}

describe('CloudHub upstream rate limit', () => {
  let hub: CloudHub | undefined;
  let edge: Edge | undefined;
  afterEach(async () => {
    edge?.ws.terminate();
    await hub?.stop();
  });

  it('a burst of pods: acks take no token, every status waits for one and is stored, none refused', async () => {
    const s = await start();
    hub = s.hub;
    edge = await Edge.connect(s.port);
    const t0 = Date.now();
    // The node acks 40 objects the cloud sent it, then reports 30 pods Running.
    for (let i = 0; i < 40; i++)
      edge.send('response', `default/pod/p${i}`, { status: 'OK' }, false, `obj-${i}`);
    const statuses = Array.from({ length: 30 }, (_, i) => edge!.status(`p${i}`));
    await waitFor(() => statuses.every((m) => edge!.replies.has(m.header.msg_id)), {
      timeoutMs: 10_000,
      what: 'every status answered',
    });
    expect(statuses.map((m) => edge!.code(m))).toEqual(statuses.map(() => 'OK'));
    const handledStatuses = s.handled.filter((h) => h.msg.route.resource.includes('/podstatus/'));
    expect(handledStatuses.map((h) => h.msg.route.resource)).toEqual(
      statuses.map((m) => m.route.resource), // oldest pod first
    );
    expect(s.handled.filter((h) => h.msg.route.operation === 'response')).toHaveLength(40);
    // Paced by the limit: 10 at once, then 20 a second (the 30th about a second after the burst).
    const last = handledStatuses.at(-1)!.at - t0;
    expect(last).toBeGreaterThanOrEqual(800);
  });

  it('a newer status of a waiting pod replaces it: the older is answered, only the newer is handled', async () => {
    const s = await start();
    hub = s.hub;
    edge = await Edge.connect(s.port);
    for (let i = 0; i < LIMIT.burst; i++) edge.event(`drain-${i}`); // empties the bucket
    const older = edge.status('web', 'Pending');
    const newer = edge.status('web', 'Running');
    await waitFor(() => edge!.replies.has(newer.header.msg_id) && edge!.replies.has(older.header.msg_id), {
      what: 'both answered',
    });
    expect([edge.code(older), edge.code(newer)]).toEqual(['OK', 'OK']);
    const web = s.handled.filter((h) => h.msg.route.resource === 'default/podstatus/web');
    expect(web.map((h) => h.msg.header.msg_id)).toEqual([newer.header.msg_id]);
  });

  it('Events beyond the limit are still refused (retryable), and so are statuses of more than MAX_PARKED pods', async () => {
    const s = await start({ qps: 1, burst: 10 }); // slow drain: the parking fills
    hub = s.hub;
    edge = await Edge.connect(s.port);
    const events = Array.from({ length: 30 }, (_, i) => edge!.event(`flood-${i}`));
    const statuses = Array.from({ length: MAX_PARKED + 20 }, (_, i) => edge!.status(`many-${i}`));
    await waitFor(() => events.every((m) => edge!.replies.has(m.header.msg_id)), { what: 'events answered' });
    const codes = events.map((m) => edge!.code(m));
    expect(codes.filter((c) => c === 'KEDGE_WIRE_RATE_LIMITED').length).toBeGreaterThanOrEqual(19);
    await new Promise((r) => setTimeout(r, 500));
    const refused = statuses.filter((m) => edge!.code(m) === 'KEDGE_WIRE_RATE_LIMITED');
    // Only what the parking could not hold (one or two may have been handled meanwhile at 1/s).
    expect(refused.length).toBeGreaterThanOrEqual(18);
    expect(refused.length).toBeLessThanOrEqual(20);
    expect(refused.map((m) => m.route.resource)).toContain(`default/podstatus/many-${MAX_PARKED + 19}`);
    const reply = edge.replies.get(refused[0]!.header.msg_id);
    expect(reply?.content).toMatchObject({ code: 'KEDGE_WIRE_RATE_LIMITED', retryable: true });
  });
});
