// One benchmark scenario: a server (kedge cloudcore or the bare ws baseline)
// in a child process, a hollow fleet of N in another, and the three numbers:
// time until all N are up, server RSS per connected node, and server CPU over
// a steady keepalive window.
import { KedgeError, isNodeReady } from '@kedge/api';
import type { ResourceStore } from '@kedge/store';
import { tempDir } from '@kedge/testing';
import { benchCa, startBareServer, startKedgeCloud, type BenchServer } from './bench-cloud.ts';
import { FleetProcess, type FleetLine } from './fleet-process.ts';
import { readCpuMs, readMemory } from './proc-stats.ts';

/** `-tls`: wss:// with a client certificate per node (kedge's certificates mode, the shipped default). */
export type BenchSystem = 'kedge' | 'baseline' | 'kedge-tls' | 'baseline-tls';

export interface ScenarioSettings {
  nodes: number;
  heartbeatS: number;
  windowMs: number;
  /** Pause after everything is up, before the CPU window opens. */
  settleMs: number;
  ramp: number;
  keepaliveTimeoutS: number;
  nodeStatusUpdateFrequencyS: number;
  /** How often the store is polled for Ready Nodes. */
  pollMs: number;
  ticksPerSecond: number;
}

export interface ScenarioResult {
  system: BenchSystem;
  nodes: number;
  /** Fleet start until every node was connected (baseline) or registered (kedge), fleet's view. */
  allUpMs: number;
  /** Fleet start until the store held N Ready Nodes (kedge only). */
  allReadyMs: number | undefined;
  rssBeforeKb: number;
  rssAfterKb: number;
  rssPeakKb: number;
  windowMs: number;
  cpuMs: number;
  keepalives: number;
  /** Node objects written to the store during the window (kedge only). */
  nodeWrites: number | undefined;
  /** Reconnects over the whole run (a healthy run has none). */
  reconnects: number;
  fleetRssKb: number;
}

export async function runScenario(system: BenchSystem, s: ScenarioSettings): Promise<ScenarioResult> {
  await using dir = await tempDir(`edgemark-${system}-`);
  const tls = system.endsWith('-tls') ? await benchCa(dir.path) : undefined;
  const kedge = system.startsWith('kedge')
    ? await startKedgeCloud({
        dir: dir.path,
        nodeLimit: s.nodes,
        keepaliveTimeoutS: s.keepaliveTimeoutS,
        nodeStatusUpdateFrequencyS: s.nodeStatusUpdateFrequencyS,
        ...(tls ? { tls } : {}),
      })
    : undefined;
  const server: BenchServer & { secretFile: string } = kedge ?? (await startBareServer(dir.path, tls));
  try {
    await sleep(2_000);
    const before = readMemory(server.proc.pid);
    const fleet = new FleetProcess({
      server: server.address,
      secretFile: server.secretFile,
      nodes: s.nodes,
      heartbeatS: s.heartbeatS,
      protocol: kedge ? 'kedge' : 'raw',
      ramp: s.ramp,
      ...(tls ? { tls } : {}),
    });
    try {
      const upTimeoutMs = Math.max(60_000, s.nodes * 40);
      const start = await fleet.waitForLine((l) => l.event === 'start', 30_000, 'start line');
      const up = await fleet.waitForLine((l) => l.event === 'all-registered', upTimeoutMs, 'all nodes up');
      const allReadyMs = kedge ? (await allReady(kedge.store, s, upTimeoutMs)) - start.ts : undefined;
      await sleep(s.settleMs);

      const w0 = await nextProgress(fleet, Date.now());
      const cpu0 = readCpuMs(server.proc.pid, s.ticksPerSecond);
      const writes = kedge ? countNodeWrites(kedge.store) : undefined;
      const w1 = await fleet.waitForLine(
        (l) => l.event === 'progress' && l.ts >= w0.ts + s.windowMs,
        s.windowMs + 10_000,
        'end of the CPU window',
      );
      const cpu1 = readCpuMs(server.proc.pid, s.ticksPerSecond);
      const after = readMemory(server.proc.pid);
      const nodeWrites = writes ? await writes.stop() : undefined;
      if (w1.registered !== s.nodes) {
        throw new KedgeError(
          'KEDGE_INTERNAL',
          `${system}, ${s.nodes} nodes: only ${w1.registered} up at the end of the window`,
        );
      }
      return {
        system,
        nodes: s.nodes,
        allUpMs: up.afterMs ?? up.ts - start.ts,
        allReadyMs,
        rssBeforeKb: before.rssKb,
        rssAfterKb: after.rssKb,
        rssPeakKb: after.hwmKb,
        windowMs: w1.ts - w0.ts,
        cpuMs: cpu1 - cpu0,
        keepalives: (w1.keepalivesSent ?? 0) - (w0.keepalivesSent ?? 0),
        nodeWrites,
        reconnects: w1.reconnects ?? 0,
        fleetRssKb: readMemory(fleet.proc.pid).rssKb,
      };
    } finally {
      await fleet.stop();
    }
  } finally {
    await server.stop();
  }
}

/** Polls the store until N Nodes are Ready; returns the time it saw them. */
async function allReady(store: ResourceStore, s: ScenarioSettings, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let ready = 0;
  while (Date.now() < deadline) {
    const { items } = await store.list('Node');
    ready = items.filter(isNodeReady).length;
    if (ready >= s.nodes) return Date.now();
    await sleep(s.pollMs);
  }
  throw new KedgeError('KEDGE_TEST_TIMEOUT', `only ${ready} of ${s.nodes} Nodes Ready after ${timeoutMs} ms`);
}

function nextProgress(fleet: FleetProcess, after: number): Promise<FleetLine> {
  return fleet.waitForLine((l) => l.event === 'progress' && l.ts > after, 10_000, 'progress line');
}

/** Counts Node changes from now until stop(). */
function countNodeWrites(store: ResourceStore): { stop(): Promise<number> } {
  const abort = new AbortController();
  let n = 0;
  const done = (async () => {
    const { resourceVersion } = await store.list('Node');
    try {
      for await (const _event of store.watch('Node', { resourceVersion, signal: abort.signal })) n++;
    } catch (err: unknown) {
      if (!abort.signal.aborted) throw err;
    }
  })();
  return {
    stop: async () => {
      abort.abort();
      await done;
      return n;
    },
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
