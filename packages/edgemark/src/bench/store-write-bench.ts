// The embedded store's write throughput (issue 10: 10,000 nodes' heartbeats
// and pod status through one cloudcore). N Nodes are created, then each gets
// K status updates (a heartbeat: read, change the Ready condition's time,
// updateStatus), in two ways on the same file and durability:
//   sequential  one write at a time, each awaited: one transaction and one
//               fsync per write (how every write was committed before group
//               commit; the baseline)
//   concurrent  the N nodes' updates issued together, as cloudcore's
//               sessions do: the writes of a turn share one commit
//   node packages/edgemark/src/bench/store-write-bench.ts --nodes 10000 --rounds 3 [--durability full]
// The result (JSON, then one markdown row per mode for docs/benchmarks.md) on stdout.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { errorMessage, type Node } from '@kedge/api';
import { mutate, openSqliteStore, type ResourceStore } from '@kedge/store';
import { parseCount } from '../cli-numbers.ts';
import { machineFacts } from './bench-host.ts';

const USAGE = `usage: store-write-bench [options]
  --nodes N             Nodes written (default 10000)
  --rounds K            status updates per Node in each mode (default 3)
  --sequential-max S    the sequential mode writes for at most S seconds (default 30)
  --durability D        full (default, as cloudcore runs) or normal`;

interface ModeResult {
  mode: 'sequential' | 'concurrent';
  writes: number;
  seconds: number;
  writesPerSecond: number;
}

function heartbeat(n: Node, at: number): Node {
  const time = new Date(at).toISOString().replace(/\.\d+Z$/, 'Z');
  return {
    ...n,
    status: {
      ...n.status,
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          reason: 'EdgeConnected',
          lastHeartbeatTime: time,
          lastTransitionTime: time,
        },
      ],
    },
  };
}

const beat = (store: ResourceStore, name: string): Promise<unknown> =>
  mutate(store, 'Node', name, (n) => heartbeat(n, Date.now()), { status: true });

async function sequential(
  store: ResourceStore,
  names: string[],
  rounds: number,
  maxMs: number,
): Promise<ModeResult> {
  const start = performance.now();
  let writes = 0;
  outer: for (let r = 0; r < rounds; r++) {
    for (const name of names) {
      await beat(store, name);
      writes++;
      if (performance.now() - start > maxMs) break outer;
    }
  }
  const seconds = (performance.now() - start) / 1000;
  return { mode: 'sequential', writes, seconds, writesPerSecond: writes / seconds };
}

async function concurrent(store: ResourceStore, names: string[], rounds: number): Promise<ModeResult> {
  const start = performance.now();
  for (let r = 0; r < rounds; r++) await Promise.all(names.map((name) => beat(store, name)));
  const seconds = (performance.now() - start) / 1000;
  const writes = names.length * rounds;
  return { mode: 'concurrent', writes, seconds, writesPerSecond: writes / seconds };
}

async function main(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        nodes: { type: 'string', default: '10000' },
        rounds: { type: 'string', default: '3' },
        'sequential-max': { type: 'string', default: '30' },
        durability: { type: 'string', default: 'full' },
        help: { type: 'boolean' },
      },
    }));
  } catch (err: unknown) {
    process.stderr.write(`${errorMessage(err)}\n${USAGE}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const durability = values.durability;
  if (durability !== 'full' && durability !== 'normal') {
    process.stderr.write(`--durability must be full or normal, not ${durability}\n${USAGE}\n`);
    return 2;
  }
  const nodes = parseCount('--nodes', values.nodes);
  const rounds = parseCount('--rounds', values.rounds);
  const seqMaxMs = parseCount('--sequential-max', values['sequential-max']) * 1000;
  const dir = mkdtempSync(join(tmpdir(), 'kedge-store-bench-'));
  const store = openSqliteStore({ path: join(dir, 'kedge.db'), durability, eventTtlMs: 0 });
  try {
    const names = Array.from({ length: nodes }, (_, i) => `bench-node-${i}`);
    await Promise.all(
      names.map((name) =>
        store.create('Node', { apiVersion: 'v1', kind: 'Node', metadata: { name }, spec: {} }),
      ),
    );
    const results = [
      await sequential(store, names, rounds, seqMaxMs),
      await concurrent(store, names, rounds),
    ];
    process.stdout.write(
      JSON.stringify({ machine: machineFacts(), nodes, rounds, durability, results }, null, 2) + '\n',
    );
    for (const r of results) {
      process.stdout.write(
        `| ${nodes} | ${r.mode} | ${r.writes} | ${r.seconds.toFixed(1)} s | ${Math.round(r.writesPerSecond)} |\n`,
      );
    }
    return 0;
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

process.exitCode = await main(process.argv.slice(2));
