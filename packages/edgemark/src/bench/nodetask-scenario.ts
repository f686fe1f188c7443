// One node-task benchmark run for one N, kedge or the baseline:
// - kedge: cloudcore and controllermanager (two processes, one fresh SQLite
//   store), a hollow fleet of N answering tasks at once; one job over all N
//   with concurrency N, created through the store and followed in the change
//   log until Completed;
// - baseline: the bare task server and the same fleet (raw protocol): one
//   task message down and the flow's reports up per node, each answered,
//   nothing stored.
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ACTION_FLOWS,
  KedgeError,
  NODE_TASK_KINDS,
  isNodeReady,
  nodeTaskDefaults,
  type ActionName,
  type NodeTaskKind,
  type ResourceOf,
} from '@kedge/api';
import type { ResourceStore } from '@kedge/store';
import { startProcess, tempDir } from '@kedge/testing';
import type { InstantTaskKind } from '../instant-tasks.ts';
import { startControllerManager, startKedgeCloud, BENCH_SECRET } from './bench-cloud.ts';
import { FleetProcess, type FleetLine } from './fleet-process.ts';
import { JobTracker, type JobCounts, type JobWrites, type Milestone } from './job-tracker.ts';
import { readCpuMs, readMemory } from './proc-stats.ts';
import { RssSampler } from './rss-sampler.ts';

export interface TaskBenchSettings {
  nodes: number;
  kind: InstantTaskKind;
  heartbeatS: number;
  ramp: number;
  keepaliveTimeoutS: number;
  nodeStatusUpdateFrequencyS: number;
  gracePeriodS: number;
  monitorPeriodS: number;
  timeoutCheckPeriodS: number;
  /** The job's timeoutSeconds: large, so no node times out. */
  jobTimeoutS: number;
  /** Give up on a job (or the baseline) after this long. */
  maxJobMs: number;
  /** Pause after every node is Ready, before the job. */
  settleMs: number;
  pollMs: number;
  ticksPerSecond: number;
  /** Write V8 CPU profiles of cloudcore and controllermanager here. */
  cpuProfDir?: string | undefined;
}

interface ProcFigures {
  rssBeforeKb: number;
  rssPeakKb: number;
  cpuMs: number;
}

export interface KedgeTaskResult {
  system: 'kedge';
  nodes: number;
  kind: NodeTaskKind;
  allUpMs: number;
  /** Milliseconds from the create call until each milestone was seen in the change log. */
  times: Partial<Record<Milestone, number>>;
  writes: JobWrites;
  cloudcore: ProcFigures;
  controllermanager: ProcFigures;
  /** Entries with the whole flow True (and the target version); should equal nodes. */
  verified: number;
  final: JobCounts;
  fleet: FleetTotals;
}

export interface BaselineTaskResult {
  system: 'baseline';
  nodes: number;
  kind: NodeTaskKind;
  allUpMs: number;
  /** Milliseconds from the signal until every report had its answer. */
  allAnsweredMs: number;
  server: ProcFigures;
  fleet: FleetTotals;
}

export type TaskResult = KedgeTaskResult | BaselineTaskResult;

interface FleetTotals {
  tasksReceived: number;
  reportsSent: number;
  reportsAcked: number;
  reportsRejected: number;
  taskErrors: number;
  reconnects: number;
  /** CPU time of the fleet process over the job (or the baseline exchange). */
  cpuMs?: number;
}

const TARGET_VERSION = 'v1.22.0';
const JOB_NAME = 'edgemark-bench';

/** The job the benchmark creates: every hollow node by name, all at once. */
export function benchJob(
  kind: InstantTaskKind,
  nodes: number,
  timeoutS: number,
): ResourceOf<InstantTaskKind> {
  const nodeNames = Array.from({ length: nodes }, (_, i) => `hollow-${i}`);
  const rollout = { nodeNames, concurrency: nodes, timeoutSeconds: timeoutS };
  const spec =
    kind === 'NodeUpgradeJob'
      ? { version: TARGET_VERSION, ...rollout }
      : { updateFields: { 'modules.edgeStream.enable': 'true' }, ...rollout };
  return {
    apiVersion: 'operations.kubeedge.io/v1alpha2',
    kind,
    metadata: { name: JOB_NAME },
    spec,
  } as ResourceOf<InstantTaskKind>;
}

/** How many actions a node reports when everything succeeds (the flow's success path). */
export function flowLength(kind: InstantTaskKind): number {
  const flow = ACTION_FLOWS[NODE_TASK_KINDS[kind]];
  let n = 0;
  for (let a: ActionName | undefined = flow.first; a !== undefined; a = flow.steps[a]?.onSuccess) n++;
  return n;
}

export async function runKedgeTask(s: TaskBenchSettings): Promise<KedgeTaskResult> {
  await using dir = await tempDir('edgemark-task-');
  const prof = (name: string): string[] =>
    s.cpuProfDir
      ? ['--cpu-prof', `--cpu-prof-dir=${s.cpuProfDir}`, `--cpu-prof-name=${name}-${s.nodes}.cpuprofile`]
      : [];
  const cloud = await startKedgeCloud({
    dir: dir.path,
    nodeLimit: s.nodes,
    keepaliveTimeoutS: s.keepaliveTimeoutS,
    nodeStatusUpdateFrequencyS: s.nodeStatusUpdateFrequencyS,
    nodeArgs: prof('cloudcore'),
  });
  let tracker: JobTracker | undefined;
  try {
    const cm = await startControllerManager({
      dir: dir.path,
      gracePeriodS: s.gracePeriodS,
      monitorPeriodS: s.monitorPeriodS,
      timeoutCheckPeriodS: s.timeoutCheckPeriodS,
      nodeArgs: prof('controllermanager'),
    });
    try {
      const fleet = new FleetProcess({
        server: cloud.address,
        secretFile: cloud.secretFile,
        nodes: s.nodes,
        heartbeatS: s.heartbeatS,
        protocol: 'kedge',
        ramp: s.ramp,
        tasks: s.kind,
        nodeArgs: prof('fleet'),
      });
      try {
        const allUpMs = await fleetUp(fleet, s);
        await allReady(cloud.store, s);
        await sleep(s.settleMs);

        tracker = new JobTracker(join(dir.path, 'kedge.db'), s.kind, JOB_NAME);
        const pids = { cloudcore: cloud.proc.pid, controllermanager: cm.proc.pid };
        const before = {
          cloudcore: readMemory(pids.cloudcore),
          controllermanager: readMemory(pids.controllermanager),
        };
        const cpu0 = {
          cloudcore: cpuOf(pids.cloudcore, s),
          controllermanager: cpuOf(pids.controllermanager, s),
          fleet: cpuOf(fleet.proc.pid, s),
        };
        const sampler = new RssSampler(pids);
        sampler.start(100);
        const t0 = Date.now();
        await cloud.store.create(s.kind, benchJob(s.kind, s.nodes, s.jobTimeoutS));
        await followJob(tracker, t0, s);
        const peaks = sampler.stop();
        const cpu1 = {
          cloudcore: cpuOf(pids.cloudcore, s),
          controllermanager: cpuOf(pids.controllermanager, s),
          fleet: cpuOf(fleet.proc.pid, s),
        };

        const writes = tracker.writes();
        const check = tracker.verify(
          flowLength(s.kind),
          s.kind === 'NodeUpgradeJob' ? TARGET_VERSION : undefined,
        );
        const times: Partial<Record<Milestone, number>> = {};
        for (const [m, at] of Object.entries(tracker.seen)) times[m as Milestone] = at - t0;
        await sleep(1_000); // the last acks reach the fleet
        return {
          system: 'kedge',
          nodes: s.nodes,
          kind: s.kind,
          allUpMs,
          times,
          writes,
          cloudcore: {
            rssBeforeKb: before.cloudcore.rssKb,
            rssPeakKb: peaks['cloudcore'] ?? 0,
            cpuMs: cpu1.cloudcore - cpu0.cloudcore,
          },
          controllermanager: {
            rssBeforeKb: before.controllermanager.rssKb,
            rssPeakKb: peaks['controllermanager'] ?? 0,
            cpuMs: cpu1.controllermanager - cpu0.controllermanager,
          },
          verified: check.good,
          final: tracker.last?.counts ?? { total: 0, pending: 0, inProgress: 0, successful: 0, failed: 0 },
          fleet: { ...(await fleetTotals(fleet)), cpuMs: cpu1.fleet - cpu0.fleet },
        };
      } finally {
        // The cloud first: it exits while idle (CPU profiles are written at exit), not while
        // marking 10,000 nodes NotReady after the fleet hung up.
        await cm.stop();
        await cloud.proc.kill();
        await fleet.stop();
      }
    } finally {
      await cm.stop();
    }
  } finally {
    tracker?.close();
    await cloud.stop();
  }
}

export async function runBaselineTask(s: TaskBenchSettings): Promise<BaselineTaskResult> {
  await using dir = await tempDir('edgemark-task-baseline-');
  const secretFile = join(dir.path, 'token-secret');
  writeFileSync(secretFile, BENCH_SECRET + '\n', { mode: 0o600 });
  const taskFile = join(dir.path, 'task.json');
  const job = benchJob(s.kind, s.nodes, s.jobTimeoutS);
  // The spec as cloudcore sends it: the stored one with controllermanager's defaults, minus nodeNames.
  const { nodeNames: _names, ...rest } = job.spec;
  const spec = { failureTolerate: nodeTaskDefaults.failureTolerate, ...rest };
  writeFileSync(
    taskFile,
    JSON.stringify({
      taskType: NODE_TASK_KINDS[s.kind],
      job: JOB_NAME,
      operation: ACTION_FLOWS[NODE_TASK_KINDS[s.kind]].first,
      content: { jobUid: randomUUID(), spec },
      reportsPerNode: flowLength(s.kind),
    }),
  );
  const server = startProcess({
    name: 'bare-task-server',
    args: ['packages/edgemark/src/bench/bare-task-server.ts', '--task-file', taskFile],
  });
  try {
    const line = await server.waitForLine(/"event":"listening"/, 30_000);
    const { port } = JSON.parse(line) as { port: number };
    const fleet = new FleetProcess({
      server: `127.0.0.1:${port}`,
      secretFile,
      nodes: s.nodes,
      heartbeatS: s.heartbeatS,
      protocol: 'raw',
      ramp: s.ramp,
      tasks: s.kind,
    });
    try {
      const allUpMs = await fleetUp(fleet, s);
      await sleep(s.settleMs);
      const before = readMemory(server.pid);
      const cpu0 = cpuOf(server.pid, s);
      const fleetCpu0 = cpuOf(fleet.proc.pid, s);
      const sampler = new RssSampler({ server: server.pid });
      sampler.start(100);
      const t0 = Date.now();
      process.kill(server.pid, 'SIGUSR2');
      const done = await server.waitForLine(/"event":"all-answered"/, s.maxJobMs);
      const allAnsweredMs = (JSON.parse(done) as { ts: number }).ts - t0;
      const peaks = sampler.stop();
      const cpu1 = cpuOf(server.pid, s);
      const fleetCpuMs = cpuOf(fleet.proc.pid, s) - fleetCpu0;
      await sleep(1_000);
      return {
        system: 'baseline',
        nodes: s.nodes,
        kind: s.kind,
        allUpMs,
        allAnsweredMs,
        server: { rssBeforeKb: before.rssKb, rssPeakKb: peaks['server'] ?? 0, cpuMs: cpu1 - cpu0 },
        fleet: { ...(await fleetTotals(fleet)), cpuMs: fleetCpuMs },
      };
    } finally {
      await fleet.stop();
    }
  } finally {
    await server.kill();
  }
}

async function fleetUp(fleet: FleetProcess, s: TaskBenchSettings): Promise<number> {
  const start = await fleet.waitForLine((l) => l.event === 'start', 30_000, 'start line');
  const up = await fleet.waitForLine(
    (l) => l.event === 'all-registered',
    Math.max(60_000, s.nodes * 40),
    'all nodes up',
  );
  return up.afterMs ?? up.ts - start.ts;
}

/** Polls the change log until the job is Completed; throws on Failure or after maxJobMs. */
async function followJob(tracker: JobTracker, t0: number, s: TaskBenchSettings): Promise<void> {
  const deadline = t0 + s.maxJobMs;
  for (;;) {
    const snap = tracker.poll(Date.now());
    if (tracker.seen.completed !== undefined) return;
    if (snap?.phase === 'Failure') {
      throw new KedgeError('KEDGE_INTERNAL', `job failed: ${JSON.stringify(snap)}`, { job: JOB_NAME });
    }
    if (Date.now() > deadline) {
      const seen = Object.fromEntries(Object.entries(tracker.seen).map(([m, at]) => [m, at - t0]));
      throw new KedgeError(
        'KEDGE_TEST_TIMEOUT',
        `${s.nodes} nodes: job not Completed within ${s.maxJobMs} ms; last ${JSON.stringify(tracker.last)}, milestones ${JSON.stringify(seen)}`,
        { job: JOB_NAME },
      );
    }
    await sleep(s.pollMs);
  }
}

/** Polls the store until every hollow node is a Ready Node. */
async function allReady(store: ResourceStore, s: TaskBenchSettings): Promise<void> {
  const deadline = Date.now() + Math.max(60_000, s.nodes * 20);
  let ready = 0;
  while (Date.now() < deadline) {
    ready = (await store.list('Node')).items.filter(isNodeReady).length;
    if (ready >= s.nodes) return;
    await sleep(1_000);
  }
  throw new KedgeError('KEDGE_TEST_TIMEOUT', `only ${ready} of ${s.nodes} Nodes Ready`);
}

async function fleetTotals(fleet: FleetProcess): Promise<FleetTotals> {
  const since = Date.now();
  const l: FleetLine = await fleet.waitForLine(
    (x) => x.event === 'progress' && x.ts > since,
    10_000,
    'progress line',
  );
  return {
    tasksReceived: l.tasksReceived ?? 0,
    reportsSent: l.reportsSent ?? 0,
    reportsAcked: l.reportsAcked ?? 0,
    reportsRejected: l.reportsRejected ?? 0,
    taskErrors: l.taskErrors ?? 0,
    reconnects: l.reconnects ?? 0,
  };
}

function cpuOf(pid: number, s: TaskBenchSettings): number {
  return readCpuMs(pid, s.ticksPerSecond);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
