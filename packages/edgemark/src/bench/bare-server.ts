// The benchmark's baseline server: a bare `ws` WebSocketServer with no
// protocol, no auth and no store. It accepts connections and reads frames,
// nothing else, so its cost is the floor any WebSocket tunnel pays.
//   node packages/edgemark/src/bench/bare-server.ts   -> {"event":"listening","port":N}
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';

const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, maxPayload: 1_048_576 });
let frames = 0;
wss.on('connection', (ws) => {
  ws.on('message', () => {
    frames++;
  });
  ws.on('error', () => undefined); // a peer that vanishes is not the baseline's concern
});
wss.on('listening', () => {
  const { port } = wss.address() as AddressInfo;
  process.stdout.write(JSON.stringify({ event: 'listening', port }) + '\n');
});
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    process.stdout.write(JSON.stringify({ event: 'stopped', connections: wss.clients.size, frames }) + '\n');
    for (const ws of wss.clients) ws.terminate();
    wss.close(() => process.exit(0));
  });
}
