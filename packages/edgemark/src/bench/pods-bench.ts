// The pods benchmark: N hollow nodes with the hollow edged (pods "start" at
// once), N x P pods through one cloudcore on the embedded SQLite store, next
// to a same-run baseline of the same nodes connected with no pods.
//   node packages/edgemark/src/bench/pods-bench.ts --nodes 1000 --pods-per-node 10 \
//     [--placement controller|prebound] [--baseline S] [--max S] [--json FILE]
// Prints progress as JSON lines on stderr and the result (JSON, then a
// markdown table row for docs/benchmarks.md) on stdout. Only this file reads
// argv or exits.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { KedgeError, errorMessage } from '@kedge/api';
import { parseCount, parseSeconds } from '../cli-numbers.ts';
import { machineFacts, raiseOpenFileLimit } from './bench-host.ts';
import { runPods, type PodsResult } from './pods-scenario.ts';
import { clockTicksPerSecond } from './proc-stats.ts';

const USAGE = `usage: pods-bench --nodes N --pods-per-node P [options]
  --nodes N             hollow nodes (default 1000)
  --pods-per-node P     pods per node (default 10)
  --placement MODE      controller: one Deployment, placed by controllermanager's workload
                        controller (default); prebound: pods created with spec.nodeName set
  --baseline S          the no-pods window before the pods (default 30)
  --max S               give up waiting for all Running after S seconds (default 900)
  --json FILE           also write the result there
  --cpu-prof DIR        write V8 CPU profiles of cloudcore and controllermanager to DIR`;

const log = (fields: Record<string, unknown>): void => {
  process.stderr.write(JSON.stringify({ ts: Date.now(), ...fields }) + '\n');
};

function pct(xs: number[], p: number): number {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  return s[Math.max(0, Math.ceil((p / 100) * s.length) - 1)] ?? Number.NaN;
}

const mib = (kb: number): string => `${(kb / 1024).toFixed(0)} MiB`;
const sec = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/** One row of the docs table (the columns are in docs/benchmarks.md). */
export function resultRow(r: PodsResult): string {
  const c = r.cloudcore;
  const b = r.baseline;
  const perPodKb = (c.rssAfterKb - c.rssBeforeKb) / r.pods;
  const heartbeatWrites = (b.writes / b.ms) * r.times.running;
  const lat = r.latency;
  return [
    '',
    r.nodes,
    r.pods,
    r.placement,
    sec(r.times.created),
    sec(r.times.bound),
    sec(r.times.running),
    `${pct(lat, 50).toFixed(0)} / ${pct(lat, 90).toFixed(0)} / ${pct(lat, 99).toFixed(0)} ms`,
    `${mib(c.rssBeforeKb)} → ${mib(c.rssAfterKb)} (peak ${mib(c.rssPeakKb)})`,
    `${perPodKb.toFixed(1)} KiB`,
    `${mib(b.cloudcore.rssBeforeKb)} → ${mib(b.cloudcore.rssAfterKb)} in ${sec(b.ms)}`,
    `${r.writes} (${(r.writes / r.pods).toFixed(2)} per pod)`,
    `${((r.writes - heartbeatWrites) / r.pods).toFixed(2)}`,
    `${b.writes} in ${sec(b.ms)}`,
    `${sec(c.cpuMs)}${r.controllermanager ? ` / ${sec(r.controllermanager.cpuMs)}` : ''}`,
    '',
  ].join(' | ');
}

async function main(argv: string[]): Promise<number> {
  let result: PodsResult;
  let json: string | undefined;
  try {
    const { values } = parseArgs({
      args: argv,
      options: {
        nodes: { type: 'string', default: '1000' },
        'pods-per-node': { type: 'string', default: '10' },
        placement: { type: 'string', default: 'controller' },
        baseline: { type: 'string', default: '30' },
        max: { type: 'string', default: '900' },
        json: { type: 'string' },
        'cpu-prof': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help) {
      process.stdout.write(USAGE + '\n');
      return 0;
    }
    const placement = values.placement;
    if (placement !== 'controller' && placement !== 'prebound') {
      throw new KedgeError(
        'KEDGE_CLI_USAGE',
        `--placement: expected controller or prebound, got ${JSON.stringify(placement)}`,
        {
          fields: ['--placement'],
        },
      );
    }
    json = values.json;
    const nodes = parseCount('--nodes', values.nodes);
    raiseOpenFileLimit(nodes, log);
    log({ event: 'machine', ...machineFacts() });
    result = await runPods(
      {
        nodes,
        podsPerNode: parseCount('--pods-per-node', values['pods-per-node']),
        placement,
        heartbeatS: 15,
        ramp: 200,
        baselineMs: parseSeconds('--baseline', values.baseline),
        maxMs: parseSeconds('--max', values.max),
        pollMs: 250,
        createConcurrency: 16,
        ticksPerSecond: clockTicksPerSecond(),
        cpuProfDir: values['cpu-prof'],
      },
      log,
    );
  } catch (err: unknown) {
    process.stderr.write(`pods-bench: ${errorMessage(err)}\n`);
    return 1;
  }
  const { latency, ...rest } = result;
  const summary = {
    ...rest,
    latencyP50: pct(latency, 50),
    latencyP90: pct(latency, 90),
    latencyP99: pct(latency, 99),
  };
  if (json) writeFileSync(json, JSON.stringify({ machine: machineFacts(), ...summary }, null, 1));
  process.stdout.write(JSON.stringify(summary) + '\n' + resultRow(result) + '\n');
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
