// The service proxy's DNS responder: answers A queries for
// `<service>.<namespace>.svc.cluster.local` with the Service's cluster IP,
// NXDOMAIN for other names in the cluster domain and REFUSED for names
// outside it (nothing is forwarded). It must listen where the pods can reach
// it, inside the network namespace of their bridge, which a Node.js process
// cannot enter; so it runs as a small child process (`nsenter --net=<ns>
// node -e <program>`) whose program is the self-contained function below,
// passed as source text (it uses no imports and no outer names, and so also
// survives bundling). The parent writes the name table as one JSON line on
// its stdin after every sync; the child exits when stdin closes.
import { spawn, type ChildProcess } from 'node:child_process';
import { CLUSTER_DOMAIN } from '@kedge/api';
import type { Logger } from '@kedge/runtime';

/** The responder's program; runs alone in a child process: argv host, port, cluster domain. */
function dnsResponderProgram(): void {
  const dgram = process.getBuiltinModule('node:dgram');
  const readline = process.getBuiltinModule('node:readline');
  const [host = '0.0.0.0', port = '53', domain = 'cluster.local'] = process.argv.slice(1);
  let table = new Map<string, string>();
  readline.createInterface({ input: process.stdin }).on('line', (line) => {
    try {
      table = new Map(Object.entries(JSON.parse(line) as Record<string, string>));
    } catch {
      process.stderr.write('dns responder: ignored a table line that is not JSON\n');
    }
  });
  process.stdin.on('end', () => process.exit(0));
  const socket = dgram.createSocket({ type: 'udp4', reuseAddr: true });
  socket.on('message', (query, peer) => {
    if (query.length < 12) return;
    let offset = 12;
    const labels: string[] = [];
    while (offset < query.length) {
      const len = query[offset] ?? 0;
      if (len === 0 || len > 63) break;
      labels.push(query.subarray(offset + 1, offset + 1 + len).toString('latin1'));
      offset += len + 1;
    }
    const end = offset + 5;
    if (query.readUInt16BE(4) !== 1 || end > query.length || query[offset] !== 0) return;
    const qtype = query.readUInt16BE(offset + 1);
    const name = labels.join('.').toLowerCase();
    const ip = table.get(name);
    const inDomain = name === domain || name.endsWith(`.${domain}`);
    // A known name: its A record (other types: no data); unknown in the domain: NXDOMAIN; else REFUSED.
    const rcode = ip !== undefined ? 0 : inDomain ? 3 : 5;
    const answer = ip !== undefined && qtype === 1;
    const header = Buffer.alloc(12);
    header.writeUInt16BE(query.readUInt16BE(0), 0);
    // QR, the query's opcode and RD, AA; the rcode.
    header.writeUInt16BE(0x8400 | (query.readUInt16BE(2) & 0x7900) | rcode, 2);
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(answer ? 1 : 0, 6);
    const parts = [header, query.subarray(12, end)];
    if (answer) {
      const rr = Buffer.alloc(16);
      rr.writeUInt16BE(0xc00c, 0);
      rr.writeUInt16BE(1, 2);
      rr.writeUInt16BE(1, 4);
      rr.writeUInt32BE(5, 6);
      rr.writeUInt16BE(4, 10);
      ip.split('.').forEach((octet, i) => rr.writeUInt8(Number(octet) & 255, 12 + i));
      parts.push(rr);
    }
    socket.send(Buffer.concat(parts), peer.port, peer.address);
  });
  socket.on('listening', () => process.stdout.write('dns responder listening\n'));
  socket.bind(Number(port), host);
}

/** `<svc>.<ns>.svc.<domain>` -> cluster IP, for every Service with one. */
export function serviceNames(
  services: readonly { metadata: { name: string; namespace?: string }; spec?: { clusterIP?: string } }[],
  domain = CLUSTER_DOMAIN,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const s of services) {
    const ip = s.spec?.clusterIP;
    if (!ip || !/^\d{1,3}(\.\d{1,3}){3}$/.test(ip)) continue;
    out[`${s.metadata.name}.${s.metadata.namespace ?? 'default'}.svc.${domain}`.toLowerCase()] = ip;
  }
  return out;
}

/** Starts the responder child, inside `netnsPath` when set; `listen` is host:port. */
export function startDnsResponder(listen: string, netnsPath: string, log: Logger): ChildProcess {
  const i = listen.lastIndexOf(':');
  const args = [
    '-e',
    `(${dnsResponderProgram.toString()})()`,
    listen.slice(0, i),
    listen.slice(i + 1),
    CLUSTER_DOMAIN,
  ];
  const [file, argv] = netnsPath
    ? ['nsenter', [`--net=${netnsPath}`, '--', process.execPath, ...args]]
    : [process.execPath, args];
  const child = spawn(file, argv, {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, PATH: `${process.env['PATH'] ?? ''}:/usr/bin:/usr/sbin` },
  });
  child.stdout?.on('data', (d: Buffer) =>
    log.info({ listen, netns: netnsPath || undefined }, d.toString().trim()),
  );
  child.stderr?.on('data', (d: Buffer) => log.warn({ listen }, d.toString().trim()));
  child.stdin?.on('error', () => undefined);
  return child;
}
