// Benchmark: an ImagePrePullJob of a 3-layer image on 3 edge nodes (each
// with its own real containerd) against `ctr images pull` of the same image
// on the same containerds in the same run. The image is removed from every
// node (all names, content garbage-collected) before each measurement, so
// every measurement downloads and unpacks all three layers.
//
//   node e2e/bench/prepull-bench.ts [--runs 5] [--layer-mib 16] [--snapshotter overlayfs] [--out docs/benchmarks.md]
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import type { TestContainerd } from '@kedge/testing';
import { PrePullFleet, type PrePullNode } from '../node-tasks/prepull-fleet.ts';

const HEADING = '## Node task: ImagePrePullJob on real containerd (3 nodes)';
const NODES = ['b-1', 'b-2', 'b-3'];

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    'layer-mib': { type: 'string', default: '16' },
    snapshotter: { type: 'string', default: 'overlayfs' },
    out: { type: 'string' },
  },
});
const runs = Number(args.runs);
const layerMiB = Number(args['layer-mib']);
const snapshotter = args.snapshotter === 'native' ? 'native' : 'overlayfs';

interface Run {
  job: number;
  /** Longest CRI PullImage among the nodes, as the edges logged it. */
  edgePull: number;
  ctr3: number;
  ctr1: number;
}

async function removeImage(ctd: TestContainerd): Promise<void> {
  const names = await ctd.imageNames();
  if (names.length > 0) await ctd.ctr(['images', 'rm', '--sync', ...names]);
  const deadline = Date.now() + 10_000;
  while ((await ctd.ctr(['content', 'ls', '-q'])).trim() !== '') {
    if (Date.now() > deadline) throw new Error(`content still in ${ctd.socket} after removing the image`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function removeEverywhere(nodes: PrePullNode[]): Promise<void> {
  await Promise.all(nodes.map((n) => removeImage(n.containerd)));
}

async function ctrPull(ctd: TestContainerd, ref: string): Promise<void> {
  await ctd.ctr(['images', 'pull', '--plain-http', '--snapshotter', snapshotter, ref], {
    timeoutMs: 300_000,
  });
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

/** The `ms` of the newest "image pulled" line for `ref` in the edge's output. */
function lastEdgePullMs(node: PrePullNode, ref: string): number {
  let ms = Number.NaN;
  for (const line of node.edge.running.stdout().split('\n')) {
    if (!line.includes('"image pulled"') || !line.includes(ref)) continue;
    const parsed = JSON.parse(line) as { ms?: number };
    if (typeof parsed.ms === 'number') ms = parsed.ms;
  }
  return ms;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
};
const sec = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

async function main(): Promise<void> {
  const fleet = new PrePullFleet();
  const results: Run[] = [];
  let imageSize = 0;
  let ref = '';
  let runtime = '';
  try {
    await fleet.start();
    const layer = layerMiB * 1024 * 1024;
    const image = await fleet.pushImage('kedge/bench', { dataLayers: [layer, layer] });
    ref = image.ref;
    imageSize = image.size;
    const nodes = await fleet.addNodes(NODES, { snapshotter });
    runtime = (await nodes[0]?.containerd.ctr(['version']))?.match(/Server:\s+Version:\s+(\S+)/)?.[1] ?? '?';
    for (let i = 0; i <= runs; i++) {
      await removeEverywhere(nodes);
      const job = await timed(async () => {
        await fleet.createJob(`bench-${i}`, { images: [ref], nodeNames: NODES, concurrency: 3 });
        const done = await fleet.finished(`bench-${i}`, 300_000, 20);
        if (done.status?.phase !== 'Completed') throw new Error(`bench-${i}: ${JSON.stringify(done.status)}`);
      });
      const edgePull = Math.max(...nodes.map((n) => lastEdgePullMs(n, ref)));
      await removeEverywhere(nodes);
      const ctr3 = await timed(() => Promise.all(nodes.map((n) => ctrPull(n.containerd, ref))));
      await removeEverywhere(nodes);
      const first = nodes[0];
      if (!first) throw new Error('no nodes');
      const ctr1 = await timed(() => ctrPull(first.containerd, ref));
      const run = { job, edgePull, ctr3, ctr1 };
      process.stderr.write(`${i === 0 ? 'warm-up' : `run ${i}`}: ${JSON.stringify(run)}\n`);
      if (i > 0) results.push(run); // run 0 warms caches and JIT and is not counted
    }
  } finally {
    await fleet.close();
  }
  const section = report(results, imageSize, runtime);
  process.stdout.write(section);
  if (args.out) writeSection(args.out, section);
}

function report(results: Run[], imageSize: number, runtime: string): string {
  const col = (k: keyof Run): number[] => results.map((r) => r[k]);
  const row = (k: keyof Run): string => {
    const xs = col(k);
    return `${sec(median(xs))} | ${sec(Math.min(...xs))} | ${sec(Math.max(...xs))}`;
  };
  const job = median(col('job'));
  const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
  const kernel = execFileSync('uname', ['-r'], { encoding: 'utf8' }).trim();
  return `${HEADING}

What pre-pulling an image through kedge costs next to pulling it by hand.
Three edge nodes (edgecore processes from the workspace sources, task
manager on), each with its own containerd ${runtime} (Debian package, temp
root, CRI plugin, \`${snapshotter}\` snapshotter), one cloudcore and one
controllermanager on an embedded SQLite store, and a Distribution registry
(Debian \`docker-registry\`), all on this machine over loopback. The image
is built by the benchmark: busybox (\`busybox-static\`) plus two layers of
${layerMiB} MiB of random bytes each, 3 layers, ${(imageSize / 1048576).toFixed(1)} MiB compressed.

Reproduce (from the repository root, as root, after \`source scripts/lib.sh && bootstrap\`):

\`\`\`sh
node e2e/bench/prepull-bench.ts --runs ${runs} --layer-mib ${layerMiB} --snapshotter ${snapshotter} --out docs/benchmarks.md
\`\`\`

Machine: ${cpus().length} CPUs (${cpu}), ${Math.round(totalmem() / 2 ** 30)} GiB RAM, Linux ${kernel},
Node ${process.version}, load average at start ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}. Run on ${new Date().toISOString()}.

Each run removes the image from all three containerds (every name, then
\`ctr images rm --sync\` and a wait until the content store is empty), then
measures, in this order: the job, \`ctr images pull\` on the three
containerds at once, \`ctr images pull\` on one. ${runs} runs after one
warm-up run that is not counted.

| measurement | median | min | max |
|---|---:|---:|---:|
| ImagePrePullJob on 3 nodes, create → \`Completed\` | ${row('job')} |
| of which the slowest node's CRI PullImage (edge log) | ${row('edgePull')} |
| \`ctr images pull --plain-http\` on the 3 containerds in parallel | ${row('ctr3')} |
| \`ctr images pull --plain-http\` on 1 containerd | ${row('ctr1')} |

- **Overhead ratio**: job / parallel \`ctr\` pulls = **${(job / median(col('ctr3'))).toFixed(2)}**
  (job / one \`ctr\` pull = ${(job / median(col('ctr1'))).toFixed(2)}).
- The job's time includes everything around the pulls: controllermanager
  initialising the job, cloudcore claiming the nodes and sending the task,
  the edge's Check (the runtime's Version; no \`checkItems\`), ImageStatus,
  the reports and their status writes, and controllermanager seeing every
  node \`Successful\` (the benchmark polls the store every 20 ms).
  The difference between the first two rows is that part.
- \`ctr\` pulls through containerd's client API from the \`ctr\` process and
  unpacks the same way; the CRI pull runs inside containerd. Both fetch over
  plain http from the same registry.
- The machine is shared: other work running at the same time adds noise.
`;
}

/** Replaces the section under HEADING in `file` (up to the next `## `), or appends it. */
function writeSection(file: string, section: string): void {
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n';
  const start = text.indexOf(`${HEADING}\n`);
  if (start < 0) {
    writeFileSync(file, `${text.replace(/\n*$/, '\n\n')}${section}`);
    return;
  }
  const next = text.indexOf('\n## ', start + HEADING.length);
  writeFileSync(file, text.slice(0, start) + section + (next < 0 ? '' : text.slice(next)));
}

await main();
