// kedgectl logs' cloud half over a real tunnel: a real CloudCore on the
// embedded SQLite store opens a logs stream on a connected (raw) edge, the
// edge's chunks reach the reader in order, another node cannot inject into
// the stream, and a disconnect ends it with a coded error.
import { join } from 'node:path';
import { LogsRoute, newMessage, type Message } from '@kedge/api';
import { tempDir, waitFor, type TempDir } from '@kedge/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ObjectEdge } from '../../test/object-edge.ts';
import { TEST_SECRET, startTestCloud, type TestCloud } from '../../test/task-cloud.ts';

let dir: TempDir;
let cloud: TestCloud;
const edges: ObjectEdge[] = [];

beforeEach(async () => {
  dir = await tempDir('kedge-logs-relay-');
  cloud = await startTestCloud({ storePath: join(dir.path, 'kedge.db'), replicaId: 'cloudcore-a' });
});
afterEach(async () => {
  for (const e of edges.splice(0)) await e.close();
  await cloud.stop();
  await dir.cleanup();
});

async function edge(node: string): Promise<ObjectEdge> {
  const e = await ObjectEdge.connect(cloud.port, node, TEST_SECRET);
  edges.push(e);
  return e;
}

const answer = (operation: string, content: unknown): Message =>
  newMessage({ source: 'edged', group: LogsRoute.group, operation, resource: 'logs/x', content });

async function requestOn(e: ObjectEdge): Promise<{ streamId: string; pod: string }> {
  const msg = await waitFor(() => e.received.find((m) => m.route.group === LogsRoute.group), {
    what: 'a logs request at the edge',
    timeoutMs: 5000,
  });
  return msg.content as { streamId: string; pod: string };
}

describe('logs relay over the tunnel', () => {
  it('streams the node’s chunks to the reader and ignores another node’s forged chunk', async () => {
    const edge1 = await edge('edge-1');
    const edge2 = await edge('edge-2');
    let text = '';
    const reading = (async () => {
      const stream = cloud.core.logs.open(
        'edge-1',
        { namespace: 'default', pod: 'web', follow: false },
        new AbortController().signal,
      );
      for await (const chunk of stream) text += chunk;
    })();
    const { streamId, pod } = await requestOn(edge1);
    expect(pod).toBe('web');
    edge2.send(answer(LogsRoute.chunk, { streamId, data: 'forged\n' }));
    edge1.send(answer(LogsRoute.chunk, { streamId, data: 'hello\n' }));
    edge1.send(answer(LogsRoute.end, { streamId }));
    await reading;
    expect(text).toBe('hello\n');
  });

  it('a follow stream ends with KEDGE_LOGS_NODE_UNREACHABLE when the node disconnects', async () => {
    const edge1 = await edge('edge-1');
    const stream = cloud.core.logs.open(
      'edge-1',
      { namespace: 'default', pod: 'web', follow: true },
      new AbortController().signal,
    );
    const first = stream.next().then(
      () => undefined,
      (err: unknown) => err,
    );
    await requestOn(edge1);
    await edge1.close();
    edges.splice(0);
    expect(await first).toMatchObject({ code: 'KEDGE_LOGS_NODE_UNREACHABLE' });
  });
});
