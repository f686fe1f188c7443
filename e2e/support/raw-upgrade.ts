// A WebSocket upgrade written byte by byte, for tests that must send headers
// no well-behaved client library would (multi-byte or oversized values).
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';

export interface RawUpgradeAnswer {
  /** The status line, e.g. `HTTP/1.1 400 Bad Request`. */
  status: string;
  /** Everything the server sent before it closed or the timeout. */
  text: string;
}

export async function rawUpgrade(
  address: string,
  headers: Record<string, string | Buffer>,
  timeoutMs = 5000,
): Promise<RawUpgradeAnswer> {
  const [host, port] = address.split(':') as [string, string];
  const socket = connect(Number(port), host);
  const lines: Buffer[] = [
    Buffer.from(
      `GET /p/raw/events HTTP/1.1\r\nHost: ${address}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
        `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\n`,
    ),
  ];
  for (const [name, value] of Object.entries(headers))
    lines.push(Buffer.concat([Buffer.from(`${name}: `), Buffer.from(value), Buffer.from('\r\n')]));
  lines.push(Buffer.from('\r\n'));
  const chunks: Buffer[] = [];
  await new Promise<void>((resolve) => {
    const done = () => resolve();
    socket.on('data', (c: Buffer) => {
      chunks.push(c);
      // A 101 keeps the socket open: enough to have the head and the first frame.
      if (Buffer.concat(chunks).includes('\r\n\r\n')) setTimeout(done, 300);
    });
    socket.on('close', done);
    socket.on('error', done);
    setTimeout(done, timeoutMs);
    socket.write(Buffer.concat(lines));
  });
  socket.destroy();
  const text = Buffer.concat(chunks).toString('latin1');
  return { status: text.split('\r\n')[0] ?? '', text };
}
