// The benchmark's baseline server: a bare `ws` WebSocketServer with no
// protocol, no auth and no store. It accepts connections and reads frames,
// nothing else, so its cost is the floor any WebSocket tunnel pays. With
// --tls it serves wss:// from a bare `https` server that asks for and
// verifies a client certificate, the floor of the certificates mode.
//   node packages/edgemark/src/bench/bare-server.ts [--tls CERT KEY CA]   -> {"event":"listening","port":N}
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';

const tlsAt = process.argv.indexOf('--tls');
const [certFile, keyFile, caFile] = tlsAt >= 0 ? process.argv.slice(tlsAt + 1, tlsAt + 4) : [];
const https =
  certFile && keyFile && caFile
    ? createServer({
        cert: readFileSync(certFile),
        key: readFileSync(keyFile),
        ca: readFileSync(caFile),
        requestCert: true,
        rejectUnauthorized: true,
      })
    : undefined;
const wss = https
  ? new WebSocketServer({ server: https, maxPayload: 1_048_576 })
  : new WebSocketServer({ host: '127.0.0.1', port: 0, maxPayload: 1_048_576 });
let frames = 0;
wss.on('connection', (ws) => {
  ws.on('message', () => {
    frames++;
  });
  ws.on('error', () => undefined); // a peer that vanishes is not the baseline's concern
});
const announce = (address: AddressInfo): void => {
  process.stdout.write(JSON.stringify({ event: 'listening', port: address.port }) + '\n');
};
if (https) https.listen(0, '127.0.0.1', () => announce(https.address() as AddressInfo));
else wss.on('listening', () => announce(wss.address() as AddressInfo));
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    process.stdout.write(JSON.stringify({ event: 'stopped', connections: wss.clients.size, frames }) + '\n');
    for (const ws of wss.clients) ws.terminate();
    wss.close(() => process.exit(0));
    https?.close();
  });
}
