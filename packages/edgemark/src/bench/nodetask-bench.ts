// The node-task benchmark: for each N, one job over N hollow nodes that
// answer at once (kedge: cloudcore + controllermanager on SQLite), and the
// bare-tunnel baseline with the same messages, in the same run.
//   node packages/edgemark/src/bench/nodetask-bench.ts --nodes 1000,10000 \
//     [--kind NodeUpgradeJob|ConfigUpdateJob] [--out docs/benchmarks.md]
// Only this file reads argv or exits.
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { KedgeError, errorMessage } from '@kedge/api';
import { repoRoot } from '@kedge/testing';
import { parseCountList, parseSeconds } from '../cli-numbers.ts';
import { INSTANT_HANDLERS, isInstantTaskKind } from '../instant-tasks.ts';
import { machineFacts, raiseOpenFileLimit } from './bench-host.ts';
import { nodeTaskHeading, nodeTaskTable, renderNodeTaskSection } from './nodetask-report.ts';
import {
  flowLength,
  runBaselineTask,
  runKedgeTask,
  type TaskBenchSettings,
  type TaskResult,
} from './nodetask-scenario.ts';
import { clockTicksPerSecond } from './proc-stats.ts';
import { writeSection } from './report.ts';

const USAGE = `usage: nodetask-bench [--nodes 1000,10000] [--kind NodeUpgradeJob] [--out docs/benchmarks.md] [options]
  --nodes N[,N...]   fleet sizes (default 1000,10000)
  --kind KIND        NodeUpgradeJob (default) or ConfigUpdateJob
  --out FILE         write the results as the "Node task: KIND over N hollow nodes" section of FILE
  --max-job S        give up on one job after S seconds (default 300)
  --cpu-prof DIR     write V8 CPU profiles of cloudcore and controllermanager to DIR
  --only SYSTEM      kedge or baseline (default both)`;

async function main(argv: string[]): Promise<number> {
  let settings: Omit<TaskBenchSettings, 'nodes'>;
  let sizes: number[];
  let out: string | undefined;
  let systems: ('kedge' | 'baseline')[];
  try {
    const { values } = parseArgs({
      args: argv,
      options: {
        nodes: { type: 'string', default: '1000,10000' },
        kind: { type: 'string', default: 'NodeUpgradeJob' },
        out: { type: 'string' },
        'max-job': { type: 'string', default: '300' },
        'cpu-prof': { type: 'string' },
        only: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help) {
      process.stdout.write(USAGE + '\n');
      return 0;
    }
    sizes = parseCountList('--nodes', values.nodes);
    const kind = values.kind;
    if (!isInstantTaskKind(kind)) {
      throw new KedgeError(
        'KEDGE_CLI_USAGE',
        `--kind: expected ${Object.keys(INSTANT_HANDLERS).join(' or ')}, got ${JSON.stringify(kind)}`,
        { fields: ['--kind'] },
      );
    }
    const only = values.only;
    if (only !== undefined && only !== 'kedge' && only !== 'baseline') {
      throw new KedgeError(
        'KEDGE_CLI_USAGE',
        `--only: expected kedge or baseline, got ${JSON.stringify(only)}`,
        {
          fields: ['--only'],
        },
      );
    }
    systems = only ? [only] : ['kedge', 'baseline'];
    out = values.out;
    const cpuProfDir = values['cpu-prof'] ? resolve(values['cpu-prof']) : undefined;
    if (cpuProfDir) mkdirSync(cpuProfDir, { recursive: true });
    settings = {
      kind,
      heartbeatS: 15,
      ramp: 200,
      keepaliveTimeoutS: 60,
      nodeStatusUpdateFrequencyS: 60,
      gracePeriodS: 180,
      monitorPeriodS: 10,
      timeoutCheckPeriodS: 5,
      jobTimeoutS: 3600,
      maxJobMs: parseSeconds('--max-job', values['max-job']),
      settleMs: 3_000,
      pollMs: 100,
      ticksPerSecond: clockTicksPerSecond(),
      cpuProfDir,
    };
  } catch (err: unknown) {
    process.stderr.write(`nodetask-bench: ${errorMessage(err)}\n${USAGE}\n`);
    return 2;
  }

  try {
    raiseOpenFileLimit(Math.max(...sizes), log);
    const machine = machineFacts();
    const command = ['node packages/edgemark/src/bench/nodetask-bench.ts', ...argv].join(' ');
    const results: TaskResult[] = [];
    for (const nodes of sizes) {
      for (const system of systems) {
        log({ event: 'scenario', system, nodes, kind: settings.kind });
        const s = { ...settings, nodes };
        const result = system === 'kedge' ? await runKedgeTask(s) : await runBaselineTask(s);
        log({ event: 'result', ...result });
        results.push(result);
      }
    }
    process.stdout.write('\n' + nodeTaskTable(results) + '\n');
    if (out) {
      const file = resolve(repoRoot(), out);
      const { ticksPerSecond: _t, cpuProfDir: _c, ...shown } = settings;
      writeSection(
        file,
        nodeTaskHeading(settings.kind),
        renderNodeTaskSection({
          command,
          machine,
          settings: shown,
          flowLength: flowLength(settings.kind),
          results,
        }),
      );
      log({ event: 'written', file });
    }
    return 0;
  } catch (err: unknown) {
    process.stderr.write(`nodetask-bench: ${errorMessage(err)}\n`);
    return 1;
  }
}

function log(fields: Record<string, unknown>): void {
  process.stdout.write(JSON.stringify({ ts: Date.now(), ...fields }) + '\n');
}

process.exitCode = await main(process.argv.slice(2));
