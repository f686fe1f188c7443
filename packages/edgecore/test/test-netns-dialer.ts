// Test helper (not exported): a probe Dialer that opens its TCP connections
// from inside a test network namespace, where the pods' addresses live. One
// relay process runs in the namespace (nsenter --net) and listens on a unix
// socket (a file, so the host side can reach it): each connection sends
// `host port\n`, the relay answers `1` once it reached host:port and then
// pipes bytes both ways, or `0<error code>` and closes.
import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { Duplex, PassThrough } from 'node:stream';
import type { Dialer } from '../src/edged/probe-executors.ts';

const RELAY = `
const net = require('node:net');
const server = net.createServer((c) => {
  let head = Buffer.alloc(0);
  const onData = (d) => {
    head = Buffer.concat([head, d]);
    const nl = head.indexOf(10);
    if (nl < 0) return;
    c.off('data', onData);
    c.pause();
    const [host, port] = head.subarray(0, nl).toString().split(' ');
    const rest = head.subarray(nl + 1);
    const up = net.connect({ host, port: Number(port) });
    up.once('connect', () => {
      c.write('1');
      if (rest.length > 0) up.write(rest);
      c.pipe(up);
      up.pipe(c);
      c.resume();
    });
    up.once('error', (e) => c.end('0' + (e.code || e.message)));
    c.on('error', () => up.destroy());
    c.on('close', () => up.destroy());
    up.on('close', () => c.destroy());
  };
  c.on('data', onData);
});
server.listen(process.argv[1], () => process.stdout.write('ready\\n'));
`;

export interface NetnsDialer {
  dial: Dialer;
  stop(): void;
}

/** `prefix`: the argv that runs a command in the namespace (TestNetns.prefix). */
export async function startNetnsDialer(prefix: string[], socketPath: string): Promise<NetnsDialer> {
  const [binary = '', ...args] = prefix;
  const child: ChildProcess = spawn(binary, [...args, process.execPath, '-e', RELAY, socketPath], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`netns relay exited with ${code}`)));
    child.stdout?.once('data', () => resolve());
  });
  const dial: Dialer = (host, port, signal) =>
    new Promise<Duplex>((resolve, reject) => {
      const socket = connect({ path: socketPath });
      const onAbort = (): void => {
        socket.destroy();
        reject(signal.reason as Error);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      socket.once('error', (err) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      });
      socket.write(`${host} ${port}\n`);
      socket.once('data', (d: Buffer) => {
        signal.removeEventListener('abort', onAbort);
        if (d[0] !== 0x31) {
          socket.destroy();
          reject(new Error(`connect ${host}:${port}: ${d.subarray(1).toString()}`));
          return;
        }
        // What arrives from now on is buffered until the caller reads it.
        const readable = new PassThrough();
        if (d.length > 1) readable.write(d.subarray(1));
        socket.pipe(readable);
        const duplex = Duplex.from({ readable, writable: socket });
        duplex.once('close', () => socket.destroy());
        resolve(duplex);
      });
    });
  return {
    dial,
    stop: () => {
      child.removeAllListeners('exit');
      if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid);
    },
  };
}
