// The node-task benchmark's baseline server: a bare `ws` WebSocketServer
// that, on SIGUSR2, sends one task message to every connection and answers
// every sync message with a `response`, exactly the frames a node exchanges
// with cloudcore for a job, but with no register, no auth and no store.
//   node packages/edgemark/src/bench/bare-task-server.ts --task-file F
//     -> {"event":"listening","port":N}
//   SIGUSR2 -> {"event":"sent","ts":...,"tasks":N}, later {"event":"all-answered","ts":...,"reports":R}
// The task file is JSON: {taskType, job, operation, content, reportsPerNode}.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { WebSocketServer, type WebSocket } from 'ws';

interface TaskFile {
  taskType: string;
  job: string;
  operation: string;
  content: unknown;
  reportsPerNode: number;
}

const { values } = parseArgs({ options: { 'task-file': { type: 'string' } } });
const task = JSON.parse(readFileSync(values['task-file'] ?? '', 'utf8')) as TaskFile;

const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, maxPayload: 1_048_576 });
const nodes = new Map<WebSocket, string>();
let expected = Number.POSITIVE_INFINITY;
let answered = 0;
let frames = 0;

function emit(fields: Record<string, unknown>): void {
  process.stdout.write(JSON.stringify({ ts: Date.now(), ...fields }) + '\n');
}

wss.on('connection', (ws, req) => {
  // ws://host/<project>/<node>/events, as a hollow node dials it.
  const node = decodeURIComponent((req.url ?? '').split('/')[2] ?? '');
  nodes.set(ws, node);
  ws.on('message', (data) => {
    frames++;
    // binaryType is nodebuffer: a message is always one Buffer.
    const msg = JSON.parse((data as Buffer).toString('utf8')) as {
      header: { msg_id: string; sync?: boolean };
      route: { group: string; resource: string };
    };
    if (!msg.header.sync) return;
    ws.send(
      JSON.stringify({
        header: { msg_id: randomUUID(), parent_msg_id: msg.header.msg_id, timestamp: Date.now() },
        route: {
          source: 'cloudhub',
          group: msg.route.group,
          operation: 'response',
          resource: msg.route.resource,
        },
        content: 'OK',
      }),
    );
    answered++;
    if (answered >= expected) {
      emit({ event: 'all-answered', reports: answered });
      expected = Number.POSITIVE_INFINITY;
    }
  });
  ws.on('close', () => nodes.delete(ws));
  ws.on('error', () => undefined); // a peer that vanishes is not the baseline's concern
});

wss.on('listening', () => {
  const { port } = wss.address() as AddressInfo;
  emit({ event: 'listening', port });
});

process.on('SIGUSR2', () => {
  expected = answered + nodes.size * task.reportsPerNode;
  for (const [ws, node] of nodes) {
    ws.send(
      JSON.stringify({
        header: { msg_id: randomUUID(), timestamp: Date.now() },
        route: {
          source: 'taskmanager',
          group: 'taskmanager',
          operation: task.operation,
          resource: `operations.kubeedge.io/v1alpha2/${task.taskType}/${task.job}/node/${node}`,
        },
        content: task.content,
      }),
    );
  }
  emit({ event: 'sent', tasks: nodes.size });
});

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    emit({ event: 'stopped', connections: wss.clients.size, frames, answered });
    for (const ws of wss.clients) ws.terminate();
    wss.close(() => process.exit(0));
  });
}
