// The benchmark's Markdown: one self-contained section of docs/benchmarks.md,
// replaced in place on a re-run so sections written by other benchmarks stay.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { ScenarioResult, ScenarioSettings } from './run-scenario.ts';

export const TUNNEL_HEADING = '## Tunnel: N hollow edge nodes';

export interface MachineFacts {
  date: string;
  nproc: number;
  cpuModel: string;
  memoryGiB: number;
  nodeVersion: string;
  kernel: string;
  openFiles: string;
  loadAverage: string;
}

export interface TunnelReport {
  command: string;
  machine: MachineFacts;
  settings: Omit<ScenarioSettings, 'nodes' | 'ticksPerSecond'>;
  results: ScenarioResult[];
}

const s1 = (ms: number | undefined): string => (ms === undefined ? '—' : `${(ms / 1000).toFixed(1)} s`);
const mib = (kb: number): string => `${(kb / 1024).toFixed(1)} MiB`;

export function resultRow(r: ScenarioResult): string {
  const perNodeKb = (r.rssAfterKb - r.rssBeforeKb) / r.nodes;
  const cpuPct = (r.cpuMs / r.windowMs) * 100;
  const usPerKeepalive = r.keepalives > 0 ? (r.cpuMs * 1000) / r.keepalives : NaN;
  return [
    r.nodes,
    r.system,
    s1(r.allUpMs),
    s1(r.allReadyMs),
    mib(r.rssBeforeKb),
    mib(r.rssAfterKb),
    `${perNodeKb.toFixed(1)} KiB`,
    `${Math.round(r.cpuMs)} ms / ${s1(r.windowMs)}`,
    `${cpuPct.toFixed(2)} %`,
    r.keepalives,
    Number.isFinite(usPerKeepalive) ? `${Math.round(usPerKeepalive)} µs` : '—',
    r.nodeWrites ?? '—',
    r.reconnects,
  ].join(' | ');
}

export function resultsTable(results: ScenarioResult[]): string {
  return [
    '| N | system | all up (fleet view) | all Ready in store | server RSS before | server RSS after | RSS per node | server CPU in window | CPU (one core) | keepalives in window | CPU per keepalive | Node writes in window | reconnects |',
    '|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...results.map((r) => `| ${resultRow(r)} |`),
  ].join('\n');
}

export function renderTunnelSection(report: TunnelReport): string {
  const { machine: m, settings: s } = report;
  const fleetLines = fleetMemory(report.results);
  return `${TUNNEL_HEADING}

How much one cloudcore pays per connected edge node, next to the floor: the
same number of raw \`ws\` connections to a bare \`ws\` WebSocketServer with no
protocol, sending the same keepalive text frames at the same rate (no
register, no auth, no store). Both servers run alone in a child process, so
their RSS and CPU are theirs only; the hollow fleet (\`@kedge/edgemark\`) runs
in another child process on the same machine.

Reproduce (from the repository root, after \`source scripts/lib.sh && ensure_node\`):

\`\`\`sh
${report.command}
\`\`\`

Machine: ${m.nproc} CPUs (${m.cpuModel}), ${m.memoryGiB} GiB RAM, Linux ${m.kernel},
Node ${m.nodeVersion}, open files limit ${m.openFiles}, load average at start ${m.loadAverage}.
Run on ${m.date}.

Setup: cloudcore with the embedded SQLite store (durability \`full\`, one file in
a fresh temp dir), \`nodeLimit\` = N, \`keepaliveTimeout\` ${s.keepaliveTimeoutS} s,
\`nodeStatusUpdateFrequency\` ${s.nodeStatusUpdateFrequencyS} s, default log level (info).
Hollow nodes: heartbeat ${s.heartbeatS} s, keepalive phases spread evenly over the
heartbeat, at most ${s.ramp} handshakes in flight. The store is polled every
${s.pollMs} ms for Ready Nodes. The CPU window opens ${s1(s.settleMs)} after
everything is up and lasts ${s1(s.windowMs)}.

${resultsTable(report.results)}

- **all up**: from the fleet's first dial until every node had its register
  answered (kedge) or its connection open (baseline), as the fleet saw it.
  **all Ready in store**: until a \`list\` of Nodes showed N with \`Ready=True\`.
- **RSS per node**: (server VmRSS at the end of the window − VmRSS before the
  fleet connected) / N.
- **CPU**: utime + stime of the server process over the window, as a share of
  one core; **per keepalive** divides it by the keepalives the fleet sent in
  the window. For kedge that includes everything a steady node costs: the
  keepalive frames, WebSocket pings, and the Node heartbeat writes to SQLite
  (every ${s.nodeStatusUpdateFrequencyS} s per node; counted in "Node writes"). A
  ${s1(s.windowMs)} window holds one or two of those rounds per node depending on
  where it falls, so compare "CPU per keepalive" together with "Node writes".
- RSS counts V8 heap that has not been collected yet, so the per-node figure
  moves by several KiB between runs, more at small N.
- Hollow fleet RSS (the client side, for the record): ${fleetLines}.
- The machine is shared: other work running at the same time adds noise,
  mostly to the times. Compare kedge with the baseline of the same run.
`;
}

function fleetMemory(results: ScenarioResult[]): string {
  const parts = results.map((r) => `${r.system} ${r.nodes}: ${mib(r.fleetRssKb)}`);
  for (const system of ['kedge', 'baseline'] as const) {
    const runs = results.filter((r) => r.system === system).sort((a, b) => a.nodes - b.nodes);
    const [small, large] = [runs[0], runs.at(-1)];
    if (!small || !large || small.nodes === large.nodes) continue;
    const perNode = (large.fleetRssKb - small.fleetRssKb) / (large.nodes - small.nodes);
    parts.push(
      `${system} fleet, per extra node from ${small.nodes} to ${large.nodes}: ${perNode.toFixed(1)} KiB`,
    );
  }
  return parts.join('; ');
}

/** Replaces the section under `heading` in `file` (up to the next `## `), or appends it. */
export function writeSection(file: string, heading: string, section: string): void {
  const body = section.endsWith('\n') ? section : section + '\n';
  if (!existsSync(file)) {
    writeFileSync(
      file,
      `# Benchmarks\n\nMeasured numbers, each with the command that reproduces them.\n\n${body}`,
    );
    return;
  }
  const text = readFileSync(file, 'utf8');
  const start = text.indexOf(heading + '\n');
  if (start < 0) {
    writeFileSync(file, text.replace(/\n*$/, '\n\n') + body);
    return;
  }
  const next = text.indexOf('\n## ', start + heading.length);
  const end = next < 0 ? text.length : next + 1;
  writeFileSync(file, text.slice(0, start) + body + (next < 0 ? '' : '\n') + text.slice(end));
}
