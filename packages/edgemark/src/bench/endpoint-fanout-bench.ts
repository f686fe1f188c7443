// The endpoint fan-out benchmark (issue 11): one Service with E endpoints over
// G node groups of N hollow nodes; K endpoint changes with the Service
// annotated range-nodegroup (each node gets its group's endpoints), then K
// with the same Service unannotated (every node gets every endpoint).
//   node packages/edgemark/src/bench/endpoint-fanout-bench.ts --nodes 10000 --groups 100 \
//     --endpoints 1000 --changes 5 [--max 300] [--quiet 2] [--json FILE]
// Progress as JSON lines on stderr; the result (JSON, then one markdown row
// per mode for docs/benchmarks.md) on stdout. Only this file reads argv or exits.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { errorMessage } from '@kedge/api';
import { parseCount, parseSeconds } from '../cli-numbers.ts';
import { machineFacts, raiseOpenFileLimit } from './bench-host.ts';
import { runFanout, type FanoutResult, type ModeFigures } from './endpoint-fanout-scenario.ts';
import { clockTicksPerSecond } from './proc-stats.ts';

const USAGE = `usage: endpoint-fanout-bench [options]
  --nodes N       hollow nodes (default 1000)
  --groups G      node groups, node i in group i mod G (default 100)
  --endpoints E   endpoints of the Service (default 1000)
  --changes K     endpoint changes per mode (default 5)
  --max S         give up on any one wait after S seconds (default 300)
  --quiet S       a change is done after S seconds without a slice message (default 2)
  --json FILE     also write the result there`;

const log = (fields: Record<string, unknown>): void => {
  process.stderr.write(JSON.stringify({ ts: Date.now(), ...fields }) + '\n');
};

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)] ?? Number.NaN;
}

/** One row of the docs table per mode (the columns are in docs/benchmarks.md). */
export function modeRow(r: FanoutResult, m: ModeFigures): string {
  const med = (pick: (c: ModeFigures['changes'][number]) => number): number => median(m.changes.map(pick));
  const kib = (b: number): string => `${(b / 1024).toFixed(1)} KiB`;
  return [
    '',
    `${r.nodes} / ${r.groups} / ${r.endpoints}`,
    m.filtered ? 'range-nodegroup' : 'unfiltered',
    `${(m.initialSyncMs / 1000).toFixed(1)} s`,
    `${med((c) => c.targets)}`,
    `${med((c) => c.targetsMs)} ms (max ${Math.max(...m.changes.map((c) => c.targetsMs))})`,
    `${med((c) => c.quietAfterMs)} ms`,
    `${med((c) => c.reached)}`,
    `${med((c) => c.sliceMessages)}`,
    kib(med((c) => c.sliceBytes)),
    `${med((c) => c.cpuMs).toFixed(0)} ms in ${(med((c) => c.windowMs) / 1000).toFixed(1)} s (idle ${r.idleCpuMsPerS.toFixed(0)} ms/s)`,
    '',
  ].join(' | ');
}

async function main(argv: string[]): Promise<number> {
  let result: FanoutResult;
  let json: string | undefined;
  try {
    const { values } = parseArgs({
      args: argv,
      options: {
        nodes: { type: 'string', default: '1000' },
        groups: { type: 'string', default: '100' },
        endpoints: { type: 'string', default: '1000' },
        changes: { type: 'string', default: '5' },
        max: { type: 'string', default: '300' },
        quiet: { type: 'string', default: '2' },
        json: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help) {
      process.stdout.write(USAGE + '\n');
      return 0;
    }
    json = values.json;
    const nodes = parseCount('--nodes', values.nodes);
    raiseOpenFileLimit(nodes, log);
    log({ event: 'machine', ...machineFacts() });
    result = await runFanout(
      {
        nodes,
        groups: parseCount('--groups', values.groups),
        endpoints: parseCount('--endpoints', values.endpoints),
        changes: parseCount('--changes', values.changes),
        maxWaitMs: parseSeconds('--max', values.max),
        quietMs: parseSeconds('--quiet', values.quiet),
        ticksPerSecond: clockTicksPerSecond(),
      },
      log,
    );
  } catch (err: unknown) {
    process.stderr.write(`endpoint-fanout-bench: ${errorMessage(err)}\n`);
    return 1;
  }
  if (json) writeFileSync(json, JSON.stringify({ machine: machineFacts(), ...result }, null, 1));
  process.stdout.write(
    JSON.stringify(result) + '\n' + result.modes.map((m) => modeRow(result, m)).join('\n') + '\n',
  );
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
