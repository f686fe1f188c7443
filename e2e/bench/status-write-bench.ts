// Benchmark: status writes of a 1,000-node NodeUpgradeJob against a real
// kube-apiserver + etcd and against the embedded SQLite store, in the same
// run, and the largest job the API server accepts in one object.
//
//   node e2e/bench/status-write-bench.ts [--nodes 1000] [--batch 50] [--single-writes 400] [--out docs/benchmarks.md]
//
// Each scenario applies the nodes' action reports the way cloudcore does
// (read, apply a batch, updateStatus, retry on conflict); see
// status-write-scenario.ts. Needs the kube binaries (scripts/build-kube.sh).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openKubernetesStore, openSqliteStore, type ResourceStore } from '@kedge/store';
import { kubeVersion, repoRoot, startKubeApiServer, tempDir } from '@kedge/testing';
import {
  ACTIONS,
  allReports,
  countComplete,
  createJobWithStatus,
  drain,
  emptyStats,
  probeSize,
  type EntryShape,
  type Probe,
  type WriterStats,
} from './status-write-scenario.ts';

const HEADING = '## Cluster store: status writes of a 1,000-node job, and the largest job';

const { values: args } = parseArgs({
  options: {
    nodes: { type: 'string', default: '1000' },
    batch: { type: 'string', default: '50' },
    'single-writes': { type: 'string', default: '400' },
    out: { type: 'string' },
  },
});
const NODES = Number(args.nodes);
const BATCH = Number(args.batch);
const SINGLE = Number(args['single-writes']);

interface ScenarioResult {
  backend: string;
  scenario: string;
  wallMs: number;
  stats: WriterStats;
  complete: number;
  expectedComplete: number;
}

interface SizeResult {
  shape: string;
  maxNodes: number;
  bytesAtMax: number;
  firstFailure: { nodes: number; bytes: number; error: string } | undefined;
  sqliteTakesDouble: boolean;
}

const merge = (a: WriterStats, b: WriterStats): WriterStats => ({
  writes: a.writes + b.writes,
  reports: a.reports + b.reports,
  conflicts: a.conflicts + b.conflicts,
  latencies: [...a.latencies, ...b.latencies],
  bytes: [...a.bytes, ...b.bytes],
});

async function scenario(
  store: ResourceStore,
  backend: string,
  name: string,
  label: string,
  writers: 1 | 2,
  batch: number,
  maxWrites: number,
): Promise<ScenarioResult> {
  await createJobWithStatus(store, name, NODES, 'claimed');
  const reports = allReports(NODES);
  const reportCount = reports.length;
  const queues =
    writers === 1
      ? [reports]
      : [reports.filter((r) => r.node % 2 === 0), reports.filter((r) => r.node % 2 === 1)];
  const stats = queues.map(() => emptyStats());
  const t0 = performance.now();
  await Promise.all(queues.map((q, i) => drain(store, name, q, batch, maxWrites, stats[i] ?? emptyStats())));
  const wallMs = performance.now() - t0;
  const total = stats.reduce(merge, emptyStats());
  const expectedComplete = total.reports === reportCount ? NODES : 0;
  const result = {
    backend,
    scenario: label,
    wallMs,
    stats: total,
    complete: await countComplete(store, name),
    expectedComplete,
  };
  process.stderr.write(
    `${backend} ${label}: ${(wallMs / 1000).toFixed(1)} s, ${total.writes} writes, ${total.conflicts} conflicts\n`,
  );
  return result;
}

async function runScenarios(store: ResourceStore, backend: string): Promise<ScenarioResult[]> {
  return [
    await scenario(
      store,
      backend,
      `${backend.toLowerCase()}-single`,
      `one report per write, first ${SINGLE} reports`,
      1,
      1,
      SINGLE,
    ),
    await scenario(
      store,
      backend,
      `${backend.toLowerCase()}-batched`,
      `batches of ${BATCH}, one writer, all ${NODES * ACTIONS.length} reports`,
      1,
      BATCH,
      Infinity,
    ),
    await scenario(
      store,
      backend,
      `${backend.toLowerCase()}-two`,
      `batches of ${BATCH}, two writers, all ${NODES * ACTIONS.length} reports`,
      2,
      BATCH,
      Infinity,
    ),
  ];
}

/**
 * One probe on its own connection: after a request over the API server's body limit the HTTP/2
 * session undici holds is unusable (every later request fails NGHTTP2_ENHANCE_YOUR_CALM), which
 * would fail every probe after the first refused one.
 */
async function probeKube(
  kubeconfig: string,
  name: string,
  nodes: number,
  shape: EntryShape,
  nodeNames: boolean,
): Promise<Probe> {
  const store = await openKubernetesStore({ kubeconfig });
  try {
    return await probeSize(store, name, nodes, shape, nodeNames);
  } finally {
    await store.close();
  }
}

/** The largest N (to 100 nodes) whose job the API server takes in one status write. */
async function searchMax(
  kubeconfig: string,
  sqlite: ResourceStore,
  shape: EntryShape,
  nodeNames: boolean,
  label: string,
): Promise<SizeResult> {
  let lo = 1000;
  let hi = 40_000;
  let firstFailure: SizeResult['firstFailure'];
  let bytesAtMax = 0;
  const low = await probeKube(kubeconfig, `probe-${lo}`, lo, shape, nodeNames);
  if (!low.ok) throw new Error(`${label}: even ${lo} nodes fail: ${low.error}`);
  bytesAtMax = low.bytes;
  const high = await probeKube(kubeconfig, `probe-${hi}`, hi, shape, nodeNames);
  if (high.ok) throw new Error(`${label}: ${hi} nodes still fit`);
  firstFailure = { nodes: hi, bytes: high.bytes, error: high.error };
  while (hi - lo > 100) {
    const mid = Math.round((lo + hi) / 2 / 100) * 100;
    const p = await probeKube(kubeconfig, `probe-${mid}`, mid, shape, nodeNames);
    if (p.ok) {
      lo = mid;
      bytesAtMax = p.bytes;
    } else {
      hi = mid;
      firstFailure = { nodes: mid, bytes: p.bytes, error: p.error };
    }
  }
  const sqliteProbe = await probeSize(sqlite, `probe-${hi * 2}`, hi * 2, shape, nodeNames);
  process.stderr.write(`${label}: max ${lo} nodes (${bytesAtMax} bytes)\n`);
  return { shape: label, maxNodes: lo, bytesAtMax, firstFailure, sqliteTakesDouble: sqliteProbe.ok };
}

const q = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? 0;
};
const mean = (xs: number[]): number => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
const kib = (b: number): string => `${(b / 1024).toFixed(0)} KiB`;
const mib = (b: number): string => `${(b / 1024 / 1024).toFixed(2)} MiB`;

function report(results: ScenarioResult[], sizes: SizeResult[], started: string, load: number[]): string {
  const rows = results.map((r) => {
    const s = r.stats;
    const secs = r.wallMs / 1000;
    const complete = r.expectedComplete > 0 ? `${r.complete}/${r.expectedComplete}` : '—';
    return `| ${r.backend} | ${r.scenario} | ${s.writes} | ${secs.toFixed(1)} s | ${(s.writes / secs).toFixed(1)} | ${Math.round(s.reports / secs)} | ${q(s.latencies, 0.5).toFixed(0)} / ${q(s.latencies, 0.95).toFixed(0)} ms | ${kib(mean(s.bytes))} | ${s.conflicts} | ${complete} |`;
  });
  const sizeRows = sizes.map((z) => {
    const f = z.firstFailure;
    return `| ${z.shape} | **${z.maxNodes}** | ${mib(z.bytesAtMax)} | ${f ? `${f.nodes} nodes, ${mib(f.bytes)}` : '—'} | ${z.sqliteTakesDouble ? 'yes' : 'no'} |`;
  });
  const ratio = (label: string): string => {
    const of = (backend: string) =>
      results.find((r) => r.backend === backend && r.scenario.startsWith(label));
    const k = of('Kubernetes');
    const l = of('SQLite');
    return k && l ? (k.wallMs / l.wallMs).toFixed(0) : '?';
  };
  const errors = [
    ...new Set(sizes.map((z) => z.firstFailure?.error).filter((e): e is string => e !== undefined)),
  ];
  return `${HEADING}

What a job's status costs on the cluster store next to the embedded one, and
where a job stops fitting into one Kubernetes object. A real kube-apiserver
(Kubernetes ${kubeVersion()}, built by \`scripts/build-kube.sh\`) with Debian's
etcd (default \`--max-request-bytes\`, 1.5 MiB), and the embedded SQLite store
(durability \`full\`, temp dir), both driven from one process through
\`ResourceStore\` with an admin kubeconfig, in the same run.

Reproduce (from the repository root, after \`source scripts/lib.sh && ensure_node && ensure_kube_binaries\`):

\`\`\`sh
node e2e/bench/status-write-bench.ts --nodes ${NODES} --batch ${BATCH} --single-writes ${SINGLE} --out docs/benchmarks.md
\`\`\`

Machine: ${cpus().length} CPUs (${cpus()[0]?.model.trim() ?? '?'}), ${Math.round(totalmem() / 2 ** 30)} GiB RAM, Linux ${release()},
Node ${process.version}, load average at start ${load.map((l) => l.toFixed(2)).join(' ')}. Run on ${started}.

Each scenario starts from a NodeUpgradeJob over ${NODES} nodes whose entries
are all claimed (\`InProgress\`, \`startTime\`, \`dispatchedBy\`), then applies
the nodes' ${ACTIONS.length} action reports each (action by action across the
fleet) as cloudcore's \`JobStatusWriter\` does: read the job, apply a batch of
reports to the entries, \`updateStatus\`, re-read and re-apply on conflict.
"Two writers" are two replicas writing the same job at once (even / odd
nodes), so they conflict.

| store | scenario | writes | wall time | writes/s | reports/s | write p50 / p95 | object size (mean) | conflicts | entries complete |
|---|---|---:|---:|---:|---:|---:|---:|---:|---:|
${rows.join('\n')}

- **write** = one read + one \`updateStatus\` (on Kubernetes a GET and a PUT of
  \`/status\` carrying the whole object), timed from the read of its last
  attempt; conflicts are the attempts that lost and were retried.
- **entries complete**: entries with all ${ACTIONS.length} actions in the stored job at
  the end; every report a writer counted as written is there (no lost
  update under conflicts).
- **Kubernetes / SQLite**, same work, same run: ${ratio('one report')}x the time one report per
  write, ${ratio(`batches of ${BATCH}, one`)}x batched with one writer, ${ratio(`batches of ${BATCH}, two`)}x with two writers. The API server
  decodes, validates (the CRD schema), tracks managed fields and re-encodes
  the whole object on every write, and etcd stores it again; so a write
  costs about in proportion to the job's size, and a 1,000-node job's
  reports take seconds instead of a second.
- cloudcore coalesces the reports that arrive while a write is in flight into
  the next write, so under load it runs the "batches" rows, not the "one
  report per write" row; the latter is the floor for a trickle of reports.

Largest job in one object (Kubernetes; binary search to 100 nodes, one
\`create\` + one \`updateStatus\` per probe):

| entries | largest job accepted | object size there | first refused | SQLite takes twice the refused size |
|---|---:|---:|---:|---|
${sizeRows.join('\n')}

What the API server answered beyond the limit:
${errors.map((e) => `\n- \`${e}\``).join('')}

Node names are \`edge-node-00000\` (15 characters), the replica id
\`cloudcore-7d9f8b6c4-x2x9k\` (a Deployment pod name). What this means for
large fleets and what kedge does about it: \`docs/large-jobs.md\`.
`;
}

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

async function main(): Promise<void> {
  const started = new Date().toISOString();
  const load = loadavg();
  const dir = await tempDir('kedge-status-bench-');
  const kube = await startKubeApiServer();
  const stores: ResourceStore[] = [];
  try {
    await kube.kubectl(['apply', '-f', join(repoRoot(), 'configs/crds')]);
    await kube.kubectl([
      'wait',
      '--for=condition=Established',
      '--timeout=60s',
      'crd/nodeupgradejobs.operations.kubeedge.io',
    ]);
    const k = await openKubernetesStore({ kubeconfig: kube.kubeconfigPath });
    const s = openSqliteStore({ path: join(dir.path, 'kedge.db') });
    stores.push(k, s);
    const results = [...(await runScenarios(s, 'SQLite')), ...(await runScenarios(k, 'Kubernetes'))];
    const sizes = [
      await searchMax(kube.kubeconfigPath, s, 'pending', false, 'as initialised (`Pending`, name only)'),
      await searchMax(
        kube.kubeconfigPath,
        s,
        'successful',
        false,
        'finished, `Successful` (4 actions, versions)',
      ),
      await searchMax(
        kube.kubeconfigPath,
        s,
        'failed',
        false,
        'finished, `Failure` with reasons (5 actions)',
      ),
      await searchMax(
        kube.kubeconfigPath,
        s,
        'successful',
        true,
        '`Successful`, spec lists every node in `nodeNames`',
      ),
    ];
    const section = report(results, sizes, started, load);
    process.stdout.write(section);
    if (args.out) writeSection(args.out, section);
  } finally {
    for (const st of stores) await st.close();
    await kube.stop();
    await dir.cleanup();
  }
}

await main();
