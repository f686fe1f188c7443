// One endpoint fan-out run: cloudcore (a child process, so its CPU can be
// read alone) on a fresh SQLite store; N Nodes created in the store first,
// each labelled apps.kubeedge.io/belonging-to=<group> as an admin (or the
// NodeGroup controller) would, then N hollow nodes in this process that
// register as them and record every object they receive. Two Services with
// the same E endpoints in slices written directly (no endpointslice
// controller runs): `fanout-grouped` annotated range-nodegroup, and
// `fanout-all` without it (the unfiltered baseline). Then K times per Service:
// flip one endpoint's ready condition and measure until the nodes of that
// endpoint's group (every node, unfiltered) hold the new slice version, and
// until object sync is quiet again (bytes, messages, nodes reached, CPU).
import {
  type EndpointSlice,
  KedgeError,
  NodeLabels,
  ServiceAnnotations,
  SERVICE_TOPOLOGY_RANGE_NODEGROUP,
} from '@kedge/api';
import type { ResourceStore } from '@kedge/store';
import { tempDir } from '@kedge/testing';
import { HollowFleet } from '../hollow-fleet.ts';
import { BENCH_SECRET, startKedgeCloud } from './bench-cloud.ts';
import {
  ENDPOINTS_PER_SLICE,
  FanoutReceipts,
  endpointNode,
  fanoutSlices,
  groupOfNode,
} from './fanout-receipts.ts';
import { readCpuMs } from './proc-stats.ts';

export interface FanoutSettings {
  nodes: number;
  groups: number;
  endpoints: number;
  changes: number;
  /** Give up on one wait (all registered, initial sync, one change) after this long. */
  maxWaitMs: number;
  /** Object sync counts as done with a change after this long without a slice message. */
  quietMs: number;
  ticksPerSecond: number;
}

interface ChangeFigures {
  endpoint: number;
  group: string;
  /** Nodes that had to get the change: the group's (filtered) or all (unfiltered). */
  targets: number;
  /** Write -> the last target holds the new version. */
  targetsMs: number;
  /** Write -> the last slice message before object sync went quiet. */
  quietAfterMs: number;
  /** Nodes holding the new version in the end (any group). */
  reached: number;
  sliceMessages: number;
  sliceBytes: number;
  allBytes: number;
  /** cloudcore CPU from the write until quiet (includes quietMs of idle). */
  cpuMs: number;
  windowMs: number;
}

export interface ModeFigures {
  service: string;
  filtered: boolean;
  initialSyncMs: number;
  changes: ChangeFigures[];
}

export interface FanoutResult {
  nodes: number;
  groups: number;
  endpoints: number;
  allRegisteredMs: number;
  /** cloudcore CPU while idle (heartbeats only), ms per second. */
  idleCpuMsPerS: number;
  modes: ModeFigures[];
}

const NAMESPACE = 'default';
const PREFIX = 'hollow';

export async function runFanout(
  s: FanoutSettings,
  log: (f: Record<string, unknown>) => void,
): Promise<FanoutResult> {
  await using dir = await tempDir('edgemark-fanout-');
  const cloud = await startKedgeCloud({
    dir: dir.path,
    nodeLimit: s.nodes,
    keepaliveTimeoutS: 120,
    nodeStatusUpdateFrequencyS: 60,
  });
  const receipts = new FanoutReceipts();
  const fleet = new HollowFleet({
    server: cloud.address,
    secret: BENCH_SECRET,
    nodes: s.nodes,
    prefix: PREFIX,
    heartbeatMs: 30_000,
    onResource: (node, msg, bytes) => receipts.record(node.name, msg, bytes, Date.now()),
  });
  try {
    await labelNodes(cloud.store, s);
    log({ event: 'nodes-labelled', nodes: s.nodes, groups: s.groups });
    const t0 = Date.now();
    fleet.start();
    await waitFor(
      () => fleet.stats().registered >= s.nodes,
      s.maxWaitMs,
      () => `${fleet.stats().registered} of ${s.nodes} registered`,
    );
    const allRegisteredMs = Date.now() - t0;
    log({ event: 'all-registered', ms: allRegisteredMs });

    const pid = cloud.proc.pid;
    const idle0 = readCpuMs(pid, s.ticksPerSecond);
    await sleep(5_000);
    const idleCpuMsPerS = (readCpuMs(pid, s.ticksPerSecond) - idle0) / 5;

    const modes: ModeFigures[] = [];
    for (const filtered of [true, false]) {
      const service = filtered ? 'fanout-grouped' : 'fanout-all';
      const initialSyncMs = await createService(cloud.store, s, service, filtered, receipts);
      log({ event: 'service-synced', service, initialSyncMs, ...fleetHealth(fleet) });
      const changes: ChangeFigures[] = [];
      for (let c = 0; c < s.changes; c++) {
        const f = await oneChange(cloud.store, s, service, filtered, c, receipts, pid);
        log({ event: 'change', service, ...f, ...fleetHealth(fleet) });
        changes.push(f);
      }
      modes.push({ service, filtered, initialSyncMs, changes });
    }
    return {
      nodes: s.nodes,
      groups: s.groups,
      endpoints: s.endpoints,
      allRegisteredMs,
      idleCpuMsPerS,
      modes,
    };
  } finally {
    await fleet.stop();
    await cloud.stop();
  }
}

/** Every Node created in the store before its hollow node registers, in its group. */
async function labelNodes(store: ResourceStore, s: FanoutSettings): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < s.nodes; i = next++) {
      await store.create('Node', {
        apiVersion: 'v1',
        kind: 'Node',
        metadata: { name: `${PREFIX}-${i}`, labels: { [NodeLabels.belongingTo]: groupOfNode(i, s.groups) } },
      } as never);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}

/** Creates the Service and its slices; returns ms until every node holds every slice. */
async function createService(
  store: ResourceStore,
  s: FanoutSettings,
  service: string,
  filtered: boolean,
  receipts: FanoutReceipts,
): Promise<number> {
  const t0 = Date.now();
  await store.create('Service', {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: service,
      namespace: NAMESPACE,
      ...(filtered
        ? { annotations: { [ServiceAnnotations.topology]: SERVICE_TOPOLOGY_RANGE_NODEGROUP } }
        : {}),
    },
    spec: {
      selector: { app: service },
      ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }],
    },
  } as never);
  const written: EndpointSlice[] = [];
  for (const slice of fanoutSlices(service, NAMESPACE, s.endpoints, s.nodes, PREFIX))
    written.push(await store.create('EndpointSlice', slice));
  const all = nodeNames(s.nodes);
  await waitFor(
    () =>
      written.every(
        (w) =>
          receipts.holders(NAMESPACE, w.metadata.name, w.metadata.resourceVersion ?? '', all).count ===
          s.nodes,
      ),
    s.maxWaitMs,
    () => `${service}: not every node holds its ${written.length} slices`,
  );
  return Date.now() - t0;
}

async function oneChange(
  store: ResourceStore,
  s: FanoutSettings,
  service: string,
  filtered: boolean,
  c: number,
  receipts: FanoutReceipts,
  pid: number,
): Promise<ChangeFigures> {
  const endpoint = (c * 37 + 11) % s.endpoints;
  const sliceName = `${service}-${Math.floor(endpoint / ENDPOINTS_PER_SLICE)}`;
  const nodeIndex = endpointNode(endpoint, s.nodes);
  const group = groupOfNode(nodeIndex, s.groups);
  const targets = filtered
    ? nodeNames(s.nodes).filter((_, i) => groupOfNode(i, s.groups) === group)
    : nodeNames(s.nodes);
  const slice = await store.get('EndpointSlice', sliceName, NAMESPACE);
  if (!slice) throw new KedgeError('KEDGE_INTERNAL', `slice ${sliceName} is gone`);
  const endpoints = (slice.endpoints ?? []).map((e, k) =>
    k === endpoint % ENDPOINTS_PER_SLICE
      ? { ...e, conditions: { ...e.conditions, ready: !e.conditions?.ready } }
      : e,
  );
  receipts.resetCounters();
  const cpu0 = readCpuMs(pid, s.ticksPerSecond);
  const t0 = Date.now();
  const updated = await store.update('EndpointSlice', { ...slice, endpoints });
  const rv = updated.metadata.resourceVersion ?? '';
  await waitFor(
    () => receipts.holders(NAMESPACE, sliceName, rv, targets).count === targets.length,
    s.maxWaitMs,
    () =>
      `${sliceName}@${rv}: ${receipts.holders(NAMESPACE, sliceName, rv, targets).count} of ${targets.length} targets`,
  );
  const targetsMs = receipts.holders(NAMESPACE, sliceName, rv, targets).lastAt - t0;
  // Quiet: no slice message for quietMs (bounded by maxWaitMs).
  let seen = receipts.sliceMessages;
  let lastChange = Date.now();
  const deadline = t0 + s.maxWaitMs;
  while (Date.now() - lastChange < s.quietMs && Date.now() < deadline) {
    await sleep(50);
    if (receipts.sliceMessages !== seen) {
      seen = receipts.sliceMessages;
      lastChange = Date.now();
    }
  }
  const windowMs = Date.now() - t0;
  return {
    endpoint,
    group,
    targets: targets.length,
    targetsMs,
    quietAfterMs: lastChange - t0,
    reached: receipts.reached(NAMESPACE, sliceName, rv),
    sliceMessages: receipts.sliceMessages,
    sliceBytes: receipts.sliceBytes,
    allBytes: receipts.allBytes,
    cpuMs: readCpuMs(pid, s.ticksPerSecond) - cpu0,
    windowMs,
  };
}

/** Reconnects and closes so far: a node that reconnects is sent its whole set again. */
function fleetHealth(fleet: HollowFleet): Record<string, unknown> {
  const { registered, reconnects, closes } = fleet.stats();
  return { registered, reconnects, closes };
}

function nodeNames(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `${PREFIX}-${i}`);
}

async function waitFor(done: () => boolean, timeoutMs: number, what: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline)
      throw new KedgeError('KEDGE_TEST_TIMEOUT', `within ${timeoutMs} ms: ${what()}`);
    await sleep(20);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
