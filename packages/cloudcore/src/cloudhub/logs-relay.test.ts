import { LogsRoute, newMessage, type Message } from '@kedge/api';
import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { LogsRelay } from './logs-relay.ts';

function harness(connected = ['edge-1'], bufferMax?: number) {
  const sent: { node: string; msg: Message }[] = [];
  const relay = new LogsRelay({
    send: (node, msg) => {
      if (!connected.includes(node)) return false;
      sent.push({ node, msg });
      return true;
    },
    ...(bufferMax ? { bufferMax } : {}),
  });
  const edge = (operation: string, content: unknown): Message =>
    newMessage({ source: 'edged', group: LogsRoute.group, operation, resource: 'logs/x', content });
  const streamId = (): string => (sent[0]?.msg.content as { streamId: string }).streamId;
  return { relay, sent, edge, streamId };
}

async function drain(it: AsyncGenerator<string>): Promise<string> {
  let text = '';
  for await (const c of it) text += c;
  return text;
}

const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('cloudcore logs relay', () => {
  it('a long follow holds one abort listener on the reader’s signal, not one per chunk', async () => {
    const { relay, edge, streamId } = harness();
    const stop = new AbortController();
    const chunks = relay.open('edge-1', { namespace: 'default', pod: 'web', follow: true }, stop.signal);
    for (let i = 0; i < 50; i++) {
      // the reader waits first, then the node's chunk arrives: as in a follow of a quiet log
      const next = chunks.next();
      await flush();
      relay.fromEdge('edge-1', edge(LogsRoute.chunk, { streamId: streamId(), data: `${i}\n` }));
      expect((await next).value).toBe(`${i}\n`);
    }
    const waiting = chunks.next();
    await flush();
    expect(getEventListeners(stop.signal, 'abort').length).toBeLessThanOrEqual(1);
    stop.abort();
    expect((await waiting).done).toBe(true);
    expect(getEventListeners(stop.signal, 'abort')).toHaveLength(0);
  });

  it('sends the request to the node and yields its chunks until the end', async () => {
    const { relay, sent, edge, streamId } = harness();
    const reading = drain(
      relay.open('edge-1', { namespace: 'default', pod: 'web', follow: false }, new AbortController().signal),
    );
    await flush();
    expect(sent[0]?.msg.route.operation).toBe(LogsRoute.request);
    expect(sent[0]?.msg.content).toMatchObject({ namespace: 'default', pod: 'web', follow: false });
    expect(relay.fromEdge('edge-1', edge(LogsRoute.chunk, { streamId: streamId(), data: 'a\n' }))).toBe(true);
    relay.fromEdge('edge-1', edge(LogsRoute.chunk, { streamId: streamId(), data: 'b\n' }));
    relay.fromEdge('edge-1', edge(LogsRoute.end, { streamId: streamId() }));
    expect(await reading).toBe('a\nb\n');
    expect(sent).toHaveLength(1); // ended by the node: no cancel
  });

  it('ignores a chunk another node sends for the stream, and relays the node’s coded failure', async () => {
    const { relay, edge, streamId } = harness();
    const reading = drain(
      relay.open('edge-1', { namespace: 'default', pod: 'x', follow: false }, new AbortController().signal),
    );
    await flush();
    expect(relay.fromEdge('edge-2', edge(LogsRoute.chunk, { streamId: streamId(), data: 'forged' }))).toBe(
      false,
    );
    relay.fromEdge(
      'edge-1',
      edge(LogsRoute.end, {
        streamId: streamId(),
        error: { code: 'KEDGE_LOGS_FORBIDDEN', message: 'not bound' },
      }),
    );
    await expect(reading).rejects.toMatchObject({ code: 'KEDGE_LOGS_FORBIDDEN', message: 'not bound' });
  });

  it('cancels on the node when the reader goes away, and cuts off a reader that falls behind', async () => {
    const { relay, sent, streamId } = harness(['edge-1'], 10);
    const abort = new AbortController();
    const reading = drain(
      relay.open('edge-1', { namespace: 'default', pod: 'web', follow: true }, abort.signal),
    );
    await flush();
    abort.abort();
    await reading;
    expect(sent[1]?.msg.route.operation).toBe(LogsRoute.cancel);
    expect(sent[1]?.msg.content).toEqual({ streamId: streamId() });

    const slow = harness(['edge-1'], 10);
    const it = slow.relay.open(
      'edge-1',
      { namespace: 'default', pod: 'web', follow: true },
      new AbortController().signal,
    );
    const first = it.next();
    await flush();
    for (let i = 0; i < 4; i++)
      slow.relay.fromEdge('edge-1', slow.edge(LogsRoute.chunk, { streamId: slow.streamId(), data: 'xxxx' }));
    // the reader was not reading while 16 characters arrived (more than 10): it gets the cut-off, not the text
    await expect(first).rejects.toMatchObject({ code: 'KEDGE_LOGS_SLOW_READER' });
  });

  it('fails fast for a node not connected here, and when the node disconnects mid-stream', async () => {
    const { relay } = harness([]);
    await expect(
      drain(
        relay.open(
          'edge-9',
          { namespace: 'default', pod: 'web', follow: false },
          new AbortController().signal,
        ),
      ),
    ).rejects.toMatchObject({
      code: 'KEDGE_LOGS_NODE_UNREACHABLE',
    });
    const h = harness();
    const reading = drain(
      h.relay.open(
        'edge-1',
        { namespace: 'default', pod: 'web', follow: true },
        new AbortController().signal,
      ),
    );
    await flush();
    h.relay.nodeGone('edge-1');
    await expect(reading).rejects.toMatchObject({ code: 'KEDGE_LOGS_NODE_UNREACHABLE' });
  });
});
