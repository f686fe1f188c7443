// One pods benchmark run: cloudcore (and, for controller placement,
// controllermanager) on a fresh SQLite store, a hollow fleet of N nodes with
// the hollow edged on (--pods), all Ready. First the baseline, in the same
// run: the fleet connected, no pods, for `baselineMs` (what the tunnel and
// the Node heartbeats cost by themselves: RSS drift and store writes). Then
// N x P pods: one Deployment placed by controllermanager's workload
// controller, or pods created already bound (spec.nodeName set, P per node)
// by this process; followed in the change log until every pod is Running
// and Ready, or `maxMs`.
import { isNodeReady, KedgeError, type Pod } from '@kedge/api';
import type { ResourceStore } from '@kedge/store';
import { tempDir } from '@kedge/testing';
import { join } from 'node:path';
import { startControllerManager, startKedgeCloud } from './bench-cloud.ts';
import { FleetProcess, type FleetLine } from './fleet-process.ts';
import { PodTracker } from './pod-tracker.ts';
import { readCpuMs, readMemory } from './proc-stats.ts';
import { RssSampler } from './rss-sampler.ts';

type Placement = 'controller' | 'prebound';

export interface PodsBenchSettings {
  nodes: number;
  podsPerNode: number;
  placement: Placement;
  heartbeatS: number;
  ramp: number;
  /** The no-pods window before the pods, same fleet, same cloud. */
  baselineMs: number;
  /** Give up waiting for all Running after this long. */
  maxMs: number;
  pollMs: number;
  /** Creates in flight at once (prebound). */
  createConcurrency: number;
  ticksPerSecond: number;
  /** Write V8 CPU profiles of cloudcore and controllermanager here. */
  cpuProfDir?: string | undefined;
}

interface ProcWindow {
  rssBeforeKb: number;
  rssAfterKb: number;
  rssPeakKb: number;
  cpuMs: number;
}

export interface PodsResult {
  nodes: number;
  pods: number;
  placement: Placement;
  allUpMs: number;
  baseline: { ms: number; cloudcore: ProcWindow; writes: number; writesByKind: Record<string, number> };
  /** From the first create until all pods were created / bound / Running and Ready (change log). */
  times: { created: number; bound: number; running: number };
  /** Per pod: first seen in the change log -> Running and Ready, ms. */
  latency: number[];
  cloudcore: ProcWindow;
  controllermanager?: ProcWindow;
  writes: number;
  writesByKind: Record<string, number>;
  fleet: Partial<FleetLine>;
}

const NAMESPACE = 'bench';
const APP = 'hollow-bench';

function podTemplate(): Pod['spec'] {
  return {
    containers: [{ name: 'app', image: 'registry.local/bench/app:1', command: ['/app'] }],
    terminationGracePeriodSeconds: 1,
  } as Pod['spec'];
}

export async function runPods(
  s: PodsBenchSettings,
  log: (f: Record<string, unknown>) => void,
): Promise<PodsResult> {
  await using dir = await tempDir('edgemark-pods-');
  const prof = (name: string): string[] =>
    s.cpuProfDir
      ? ['--cpu-prof', `--cpu-prof-dir=${s.cpuProfDir}`, `--cpu-prof-name=${name}.cpuprofile`]
      : [];
  const cloud = await startKedgeCloud({
    dir: dir.path,
    nodeLimit: s.nodes,
    keepaliveTimeoutS: 60,
    nodeStatusUpdateFrequencyS: 60,
    nodeArgs: prof('cloudcore'),
  });
  let tracker: PodTracker | undefined;
  try {
    const cm =
      s.placement === 'controller'
        ? await startControllerManager({
            dir: dir.path,
            gracePeriodS: 180,
            monitorPeriodS: 10,
            timeoutCheckPeriodS: 5,
            nodeArgs: prof('controllermanager'),
          })
        : undefined;
    try {
      const fleet = new FleetProcess({
        server: cloud.address,
        secretFile: cloud.secretFile,
        nodes: s.nodes,
        heartbeatS: s.heartbeatS,
        protocol: 'kedge',
        ramp: s.ramp,
        pods: true,
      });
      try {
        const up = await fleet
          .waitForLine((l) => l.event === 'all-registered', Math.max(60_000, s.nodes * 40), 'all nodes up')
          .catch((err: unknown) => {
            log({
              event: 'fleet-not-up',
              last: fleet.last('progress'),
              stderr: fleet.proc.stderr().slice(-2000),
            });
            throw err;
          });
        await allReady(cloud.store, s.nodes);
        log({ event: 'fleet-ready', nodes: s.nodes, allUpMs: up.afterMs });
        const pids = { cloudcore: cloud.proc.pid, ...(cm ? { controllermanager: cm.proc.pid } : {}) };
        const window = (): Window => new Window(pids, s.ticksPerSecond);

        // Baseline: the same nodes connected, no pods.
        tracker = new PodTracker(join(dir.path, 'kedge.db'), NAMESPACE);
        const base = window();
        await sleep(s.baselineMs);
        tracker.poll(Date.now());
        const baseFigures = base.end();
        const baseline = {
          ms: s.baselineMs,
          cloudcore: baseFigures['cloudcore']!,
          writes: tracker.writes,
          writesByKind: { ...tracker.writesByKind },
        };
        tracker.close();
        log({ event: 'baseline-done', writes: baseline.writes });

        tracker = new PodTracker(join(dir.path, 'kedge.db'), NAMESPACE);
        const run = window();
        const total = s.nodes * s.podsPerNode;
        const t0 = Date.now();
        const creating = createPods(cloud.store, s).catch((err: unknown) => {
          throw err;
        });
        const times = await follow(tracker, total, t0, s, log);
        await creating;
        const figures = run.end();
        const latency = [...tracker.pods.values()].map((t) => (t.running ?? NaN) - (t.created ?? NaN));
        const fleetLine = fleet.read().findLast((l) => l.event === 'progress') ?? {};
        return {
          nodes: s.nodes,
          pods: total,
          placement: s.placement,
          allUpMs: up.afterMs ?? 0,
          baseline,
          times,
          latency,
          cloudcore: figures['cloudcore']!,
          ...(figures['controllermanager'] ? { controllermanager: figures['controllermanager'] } : {}),
          writes: tracker.writes,
          writesByKind: { ...tracker.writesByKind },
          fleet: fleetLine,
        };
      } finally {
        await cm?.stop();
        await cloud.proc.kill();
        await fleet.stop();
      }
    } finally {
      await cm?.stop();
    }
  } finally {
    tracker?.close();
    await cloud.stop();
  }
}

/** RSS before / after / peak and CPU of some processes over a window. */
class Window {
  private readonly pids: Record<string, number>;
  private readonly ticks: number;
  private readonly before: Record<string, { rssKb: number; cpuMs: number }> = {};
  private readonly sampler: RssSampler;

  constructor(pids: Record<string, number>, ticks: number) {
    this.pids = pids;
    this.ticks = ticks;
    for (const [k, pid] of Object.entries(pids))
      this.before[k] = { rssKb: readMemory(pid).rssKb, cpuMs: readCpuMs(pid, ticks) };
    this.sampler = new RssSampler(pids);
    this.sampler.start(200);
  }

  end(): Record<string, ProcWindow> {
    const peaks = this.sampler.stop();
    const out: Record<string, ProcWindow> = {};
    for (const [k, pid] of Object.entries(this.pids)) {
      const b = this.before[k]!;
      out[k] = {
        rssBeforeKb: b.rssKb,
        rssAfterKb: readMemory(pid).rssKb,
        rssPeakKb: peaks[k] ?? 0,
        cpuMs: readCpuMs(pid, this.ticks) - b.cpuMs,
      };
    }
    return out;
  }
}

async function createPods(store: ResourceStore, s: PodsBenchSettings): Promise<void> {
  if (s.placement === 'controller') {
    await store.create('Deployment', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: APP, namespace: NAMESPACE },
      spec: {
        replicas: s.nodes * s.podsPerNode,
        selector: { matchLabels: { app: APP } },
        template: { metadata: { labels: { app: APP } }, spec: podTemplate() },
      },
    } as never);
    return;
  }
  // Pre-bound: P pods per node, spec.nodeName set, node by node round robin.
  let next = 0;
  const total = s.nodes * s.podsPerNode;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < total; i = next++) {
      const node = `hollow-${i % s.nodes}`;
      await store.create('Pod', {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: `${APP}-${i}`, namespace: NAMESPACE, labels: { app: APP } },
        spec: { ...podTemplate(), nodeName: node },
      } as Pod);
      // The embedded store answers at once: yield, so the change-log poll (a timer) keeps its pace.
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  await Promise.all(Array.from({ length: s.createConcurrency }, worker));
}

async function follow(
  tracker: PodTracker,
  total: number,
  t0: number,
  s: PodsBenchSettings,
  log: (f: Record<string, unknown>) => void,
): Promise<{ created: number; bound: number; running: number }> {
  const seen: { created?: number; bound?: number; running?: number } = {};
  const deadline = t0 + s.maxMs;
  let lastLog = 0;
  for (;;) {
    const now = Date.now();
    tracker.poll(now);
    if (tracker.created >= total) seen.created ??= now - t0;
    if (tracker.bound >= total) seen.bound ??= now - t0;
    if (tracker.running >= total) seen.running ??= now - t0;
    if (seen.running !== undefined && seen.created !== undefined && seen.bound !== undefined)
      return { created: seen.created, bound: seen.bound, running: seen.running };
    if (now - lastLog >= 5_000) {
      lastLog = now;
      log({
        event: 'progress',
        s: Math.round((now - t0) / 1000),
        created: tracker.created,
        bound: tracker.bound,
        running: tracker.running,
        writes: tracker.writes,
      });
    }
    if (now > deadline) {
      throw new KedgeError(
        'KEDGE_TEST_TIMEOUT',
        `${total} pods: only ${tracker.created} created, ${tracker.bound} bound, ${tracker.running} Running within ${s.maxMs} ms`,
      );
    }
    await sleep(s.pollMs);
  }
}

/** Polls the store until every hollow node is a Ready Node. */
async function allReady(store: ResourceStore, nodes: number): Promise<void> {
  const deadline = Date.now() + Math.max(60_000, nodes * 20);
  let ready = 0;
  while (Date.now() < deadline) {
    ready = (await store.list('Node')).items.filter(isNodeReady).length;
    if (ready >= nodes) return;
    await sleep(1_000);
  }
  throw new KedgeError('KEDGE_TEST_TIMEOUT', `only ${ready} of ${nodes} Nodes Ready`);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
