// Splits each pod's startup into stages from what `pod-startup-bench.ts
// --trace DIR` left in DIR: the store times the benchmark saw (created,
// bound, Running + Ready) and the debug logs of cloudcore and the edgecores
// (pino JSON lines, `time` in ms). Prints a markdown table: per stage the
// p50 / p90 / max of the time from the previous stage, and when the stage
// was reached counted from the Deployment's create (first / p50 / last pod).
//
//   node e2e/bench/pod-startup-trace.ts DIR
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const STAGES = [
  ['created', 'pod in the store (ReplicaSet controller)'],
  ['bound', 'spec.nodeName set (workload controller placement)'],
  ['sent', 'cloudcore sent the pod to its node (object sync)'],
  ['received', 'edge metaManager cached it (and acked)'],
  ['worker', 'edged started its pod worker'],
  ['turn', 'its turn at the start gate (at most 5 starting per node)'],
  ['sandbox', 'RunPodSandbox done (CNI bridge, IP)'],
  ['container', 'CreateContainer + StartContainer done'],
  ['offered', 'status offered upstream (Running, Ready)'],
  ['arrived', 'status frame reached cloudcore'],
  ['stored', 'status written to the store'],
  ['ready', 'benchmark saw Running + Ready (store poll)'],
] as const;
type Stage = (typeof STAGES)[number][0];

const dir = process.argv[2];
if (!dir) throw new Error('usage: pod-startup-trace.ts DIR');

interface StoreTimes {
  deploymentCreated: number;
  pods: { pod: string; created: number; bound?: number; ready: number }[];
}
const store = JSON.parse(readFileSync(join(dir, 'store-times.json'), 'utf8')) as StoreTimes;
const pods = new Map<string, Partial<Record<Stage, number>>>();
for (const p of store.pods) pods.set(p.pod, { created: p.created, bound: p.bound, ready: p.ready });

type Line = Record<string, unknown> & { time: number; msg: string };
function* lines(file: string): Generator<Line> {
  for (const raw of readFileSync(join(dir!, file), 'utf8').split('\n')) {
    if (!raw.startsWith('{')) continue;
    try {
      yield JSON.parse(raw) as Line;
    } catch {
      // a line cut at the end of the capture
    }
  }
}
const first = (name: string, stage: Stage, at: number): void => {
  const p = pods.get(name);
  if (p && p[stage] === undefined) p[stage] = at;
};
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const podName = (resource: unknown): string => str(resource).split('/').at(-1) ?? '';

for (const l of lines('cloudcore-0.log')) {
  if (l.msg === 'objects sent') {
    for (const r of (l['resources'] as string[] | undefined) ?? [])
      if (r.startsWith('insert ')) first(podName(r), 'sent', l.time);
  } else if (
    l.msg === 'upstream message handled' &&
    podName(l['resource']) &&
    `${l['resource'] as string}`.includes('/podstatus/')
  ) {
    const took = Number(l['tookMs']);
    first(podName(l['resource']), 'arrived', l.time - took - Number(l['waitedMs']));
    first(podName(l['resource']), 'stored', l.time);
  }
}
const edgeStage: Record<string, Stage> = {
  cached: 'received',
  'starting pod worker': 'worker',
  'pod start turn': 'turn',
  'pod sandbox running': 'sandbox',
  'pod status offered': 'offered',
};
for (const file of readdirSync(dir).filter((f) => /^edge-\d+\.log$/.test(f))) {
  for (const l of lines(file)) {
    const name = podName(l['resource']);
    const stage = edgeStage[l.msg];
    if (stage) first(name, stage, l.time);
    else if (l.msg === 'container started') {
      const p = pods.get(name);
      if (p) p.container = l.time; // the last container of the pod
    }
  }
}

function pct(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.max(0, Math.ceil((q / 100) * s.length) - 1)] ?? Number.NaN;
}
const all = [...pods.values()];
const t0 = store.deploymentCreated;
const out = [
  '| stage | what | from the previous stage p50 / p90 / max | reached after the create: first / p50 / last |',
  '|---|---|---:|---:|',
];
let prev: Stage | undefined;
for (const [stage, what] of STAGES) {
  const at = all.flatMap((p) => (p[stage] === undefined ? [] : [p[stage] - t0]));
  if (at.length === 0) continue;
  const step = prev
    ? all.flatMap((p) => (p[stage] !== undefined && p[prev!] !== undefined ? [p[stage] - p[prev!]!] : []))
    : [];
  const f = (xs: number[]): string => xs.map((x) => `${Math.round(x)}`).join(' / ');
  out.push(
    `| ${stage} | ${what} | ${step.length ? `${f([pct(step, 50), pct(step, 90), Math.max(...step)])} ms` : '—'} | ${f([Math.min(...at), pct(at, 50), Math.max(...at)])} ms |`,
  );
  prev = stage;
}
process.stdout.write(out.join('\n') + '\n');
