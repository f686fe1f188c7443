// The "tunnel over TLS" section of docs/benchmarks.md: kedge in certificates
// mode (the shipped default) next to a bare https+ws server that verifies
// the same client certificates, in the same run.
import { resultsTable, type TunnelReport } from './report.ts';

export const TUNNEL_TLS_HEADING = '## Tunnel over TLS: N hollow edge nodes with client certificates';

const s1 = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

export function renderTunnelTlsSection(report: TunnelReport): string {
  const { machine: m, settings: s } = report;
  return `${TUNNEL_TLS_HEADING}

The measurement of "Tunnel: N hollow edge nodes" with TLS on, as shipped: cloudcore serves
\`wss://\` from its own CA and knows each node by its client certificate (CN
\`system:node:<name>\`); the baseline (\`baseline-tls\`) is a bare \`https\`
server with a \`ws\` WebSocketServer on it that asks for and verifies the same
client certificates and does nothing else. Each hollow node presents its own
certificate (signed by the cloud CA as \`GET /edge.crt\` would; the fleet
skips the bootstrap round trip so the numbers are about the connections).

\`\`\`sh
${report.command}
\`\`\`

Machine: ${m.nproc} CPUs (${m.cpuModel}), ${m.memoryGiB} GiB RAM, Linux ${m.kernel},
Node ${m.nodeVersion}, load average at start ${m.loadAverage}. Run on ${m.date}.
Settings as in that section: heartbeat ${s.heartbeatS} s, CPU window ${s1(s.windowMs)} opening
${s1(s.settleMs)} after all are up, at most ${s.ramp} handshakes in flight.

${resultsTable(report.results)}

- **RSS per node**: compare each \`kedge-tls\` row with the \`baseline-tls\` row
  of the same N; the difference is kedge's own cost per node, and the
  difference between \`baseline-tls\` and \`baseline\` in the plain section is what
  TLS itself costs any server (OpenSSL's per-connection state and buffers).
  At 100 nodes the figure is mostly the process's own growth after start
  (RSS before is read 2 s after start) divided by 100; read the 1,000 rows.
  The machine was shared with other work (see the load average), which
  mostly lengthens "all up".
- Where kedge's TLS memory goes (a one-off probe on 2026-12-03, 1,000 nodes,
  RSS read after a forced GC, \`node --expose-gc\`): CloudHub alone (no store,
  the same certificate check per connection) retained 69 KiB per node against
  63 KiB for the bare https+ws server, with the JS heap only 2.7 KiB per node
  larger; the rest of the gap in the table is cloudcore's plain-mode cost
  (the Node and heartbeat work in the table above) and V8 heap not yet
  collected after the handshakes (TLS handshakes and certificate checks make
  garbage, and the numbers above are read without forcing a GC). cloudcore
  keeps no per-node copy of the Node to notice deletions (it keeps the names
  only) and no peer certificate per session.
`;
}
