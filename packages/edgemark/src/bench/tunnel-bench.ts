// The tunnel benchmark: for each N, kedge (one cloudcore, SQLite store) and
// the bare ws baseline, each with a hollow fleet of N, in the same run.
//   node packages/edgemark/src/bench/tunnel-bench.ts --nodes 1000,5000 [--out docs/benchmarks.md]
// With --tls both run wss:// with a client certificate per node (kedge's
// certificates mode against a bare https+ws server that verifies them).
// Only this file reads argv or exits.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { errorMessage } from '@kedge/api';
import { repoRoot } from '@kedge/testing';
import { parseCount, parseCountList, parseSeconds } from '../cli-numbers.ts';
import { machineFacts, raiseOpenFileLimit } from './bench-host.ts';
import { clockTicksPerSecond } from './proc-stats.ts';
import { TUNNEL_HEADING, renderTunnelSection, resultsTable, writeSection } from './report.ts';
import { TUNNEL_TLS_HEADING, renderTunnelTlsSection } from './report-tls.ts';
import { runScenario, type ScenarioResult, type ScenarioSettings } from './run-scenario.ts';

const USAGE = `usage: tunnel-bench [--nodes 1000,5000] [--out docs/benchmarks.md] [options]
  --nodes N[,N...]   fleet sizes (default 1000,5000)
  --out FILE         write the results as the "${TUNNEL_HEADING.slice(3)}" section of FILE
  --heartbeat S      hollow node keepalive interval (default 15)
  --window S         CPU window (default 30)
  --settle S         pause between "all up" and the window (default 5)
  --ramp K           handshakes in flight at once (default 200)
  --tls              wss:// + client certificates for both (section "${TUNNEL_TLS_HEADING.slice(3)}")`;

async function main(argv: string[]): Promise<number> {
  let settings: Omit<ScenarioSettings, 'nodes'>;
  let sizes: number[];
  let out: string | undefined;
  let tls = false;
  try {
    const { values } = parseArgs({
      args: argv,
      options: {
        nodes: { type: 'string', default: '1000,5000' },
        out: { type: 'string' },
        heartbeat: { type: 'string', default: '15' },
        window: { type: 'string', default: '30' },
        settle: { type: 'string', default: '5' },
        ramp: { type: 'string', default: '200' },
        tls: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help) {
      process.stdout.write(USAGE + '\n');
      return 0;
    }
    sizes = parseCountList('--nodes', values.nodes);
    out = values.out;
    tls = values.tls === true;
    settings = {
      heartbeatS: parseSeconds('--heartbeat', values.heartbeat) / 1000,
      windowMs: parseSeconds('--window', values.window),
      settleMs: parseSeconds('--settle', values.settle, 0),
      ramp: parseCount('--ramp', values.ramp),
      keepaliveTimeoutS: 30,
      nodeStatusUpdateFrequencyS: 20,
      pollMs: 250,
      ticksPerSecond: clockTicksPerSecond(),
    };
  } catch (err: unknown) {
    process.stderr.write(`tunnel-bench: ${errorMessage(err)}\n${USAGE}\n`);
    return 2;
  }

  try {
    raiseOpenFileLimit(Math.max(...sizes), log);
    const machine = machineFacts();
    const command = ['node packages/edgemark/src/bench/tunnel-bench.ts', ...argv].join(' ');
    const results: ScenarioResult[] = [];
    for (const nodes of sizes) {
      for (const system of tls
        ? (['kedge-tls', 'baseline-tls'] as const)
        : (['kedge', 'baseline'] as const)) {
        log({ event: 'scenario', system, nodes });
        const result = await runScenario(system, { ...settings, nodes });
        log({ event: 'result', ...result });
        results.push(result);
      }
    }
    process.stdout.write('\n' + resultsTable(results) + '\n');
    if (out) {
      const file = resolve(repoRoot(), out);
      const { ticksPerSecond: _ticks, ...shown } = settings;
      const report = { command, machine, settings: shown, results };
      if (tls) writeSection(file, TUNNEL_TLS_HEADING, renderTunnelTlsSection(report));
      else writeSection(file, TUNNEL_HEADING, renderTunnelSection(report));
      log({ event: 'written', file });
    }
    return 0;
  } catch (err: unknown) {
    process.stderr.write(`tunnel-bench: ${errorMessage(err)}\n`);
    return 1;
  }
}

function log(fields: Record<string, unknown>): void {
  process.stdout.write(JSON.stringify({ ts: Date.now(), ...fields }) + '\n');
}

process.exitCode = await main(process.argv.slice(2));
