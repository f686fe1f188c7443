// Integration-test helpers: a real SQLite store in a temp dir whose time
// comes from a FakeClock (so timestamps and deadlines line up) while its
// watch polls in real time, controllers run in-process on that FakeClock,
// and writes that imitate what cloudcore does to a job's entries.
import { join } from 'node:path';
import {
  type ActionName,
  type KindName,
  type Node,
  nodePhaseAfter,
  type NodeTaskKind,
  type ResourceOf,
  rfc3339,
  type TaskEntry,
  taskTypeOf,
} from '@kedge/api';
import { createLogger, FakeClock, systemClock, type Clock, type Logger } from '@kedge/runtime';
import { createInformer, mutate, openSqliteStore, type ResourceStore } from '@kedge/store';
import { tempDir, waitFor, type TempDir } from '@kedge/testing';
import { NodeTaskController, type NodeTaskControllerOptions } from '../src/nodetask/node-task-controller.ts';

export const T0 = Date.parse('2030-01-01T00:00:00Z');

export interface Harness {
  dir: TempDir;
  dbPath: string;
  clock: FakeClock;
  /** The test's own connection to the store file. */
  store: ResourceStore;
  log: Logger;
  /** Starts a node task controller on its own connection to the same file. */
  startNodeTasks(extra?: Pick<NodeTaskControllerOptions, 'releasePinner'>): Promise<RunningController>;
  close(): Promise<void>;
}

interface RunningController {
  stop(): Promise<void>;
}

/** A clock that reads the fake time but sleeps for real (for the store's watch polling). */
function storeClockOf(fake: FakeClock): Clock {
  return { now: () => fake.now(), sleep: (ms, signal) => systemClock.sleep(ms, signal) };
}

export async function startHarness(): Promise<Harness> {
  const dir = await tempDir('kedge-cm-');
  const dbPath = join(dir.path, 'kedge.db');
  const clock = new FakeClock(T0);
  const log = createLogger({ name: 'cm-test', level: process.env['KEDGE_TEST_LOG'] ?? 'silent' });
  const open = (): ResourceStore =>
    openSqliteStore({ path: dbPath, clock: storeClockOf(clock), pollIntervalMs: 5 });
  const store = open();
  const running = new Set<RunningController>();

  const startNodeTasks = async (
    extra: Pick<NodeTaskControllerOptions, 'releasePinner'> = {},
  ): Promise<RunningController> => {
    const own = open();
    const abort = new AbortController();
    const nodes = createInformer(own, 'Node', { signal: abort.signal, log });
    const controller = new NodeTaskController({
      store: own,
      nodes,
      clock,
      log,
      resyncPeriodMs: 5000,
      ...extra,
    });
    const done = controller.run(abort.signal);
    await nodes.synced;
    const handle: RunningController = {
      stop: async () => {
        running.delete(handle);
        abort.abort();
        await done;
        await own.close();
      },
    };
    running.add(handle);
    return handle;
  };

  return {
    dir,
    dbPath,
    clock,
    store,
    log,
    startNodeTasks,
    close: async () => {
      for (const r of [...running]) await r.stop();
      await store.close();
      await dir.cleanup();
    },
  };
}

export interface NodeOptions {
  edge?: boolean;
  ready?: 'True' | 'False' | 'Unknown' | 'none';
  labels?: Record<string, string>;
  heartbeat?: string;
  cloudcore?: string;
}

export function makeNode(name: string, o: NodeOptions = {}): Node {
  const labels: Record<string, string> = { ...o.labels };
  if (o.edge !== false) labels['node-role.kubernetes.io/edge'] = '';
  const ready = o.ready ?? 'True';
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels, annotations: { cloudcore: o.cloudcore ?? 'cc-1' } },
    spec: {},
    status:
      ready === 'none'
        ? {}
        : {
            conditions: [
              {
                type: 'Ready',
                status: ready,
                reason: ready === 'True' ? 'EdgeConnected' : 'EdgeDisconnected',
                message: ready === 'True' ? 'connected to cloudcore cc-1' : 'connection lost',
                lastHeartbeatTime: o.heartbeat ?? rfc3339(new Date(T0)),
                lastTransitionTime: o.heartbeat ?? rfc3339(new Date(T0)),
              },
            ],
          },
  };
}

/** Polls the stored object until `test` holds; returns it. */
export function waitForObject<K extends KindName>(
  store: ResourceStore,
  kind: K,
  name: string,
  test: (obj: ResourceOf<K>) => boolean,
  what: string,
): Promise<ResourceOf<K>> {
  return waitFor(
    async () => {
      const obj = await store.get(kind, name);
      return obj !== undefined && test(obj) ? obj : undefined;
    },
    { what: `${kind} ${name}: ${what}`, timeoutMs: 10_000, intervalMs: 10 },
  );
}

export function entriesOf(job: ResourceOf<NodeTaskKind>): TaskEntry[] {
  return (job.status?.nodeStatus ?? []) as TaskEntry[];
}

export function entryOf(job: ResourceOf<NodeTaskKind>, node: string): TaskEntry | undefined {
  return entriesOf(job).find((e) => e.nodeName === node);
}

/** What a cloudcore claim does: Pending -> InProgress with startTime and dispatchedBy. */
export async function claim(h: Harness, kind: NodeTaskKind, job: string, node: string): Promise<void> {
  const now = rfc3339(new Date(h.clock.now()));
  await changeEntry(h, kind, job, node, (e) => ({
    ...e,
    phase: 'InProgress',
    startTime: now,
    dispatchedBy: 'cc-1',
  }));
}

/** What cloudcore records for an action report: actionFlow item + node phase. */
export async function report(
  h: Harness,
  kind: NodeTaskKind,
  job: string,
  node: string,
  action: ActionName,
  succ: boolean,
  reason?: string,
): Promise<void> {
  const time = rfc3339(new Date(h.clock.now()));
  await changeEntry(h, kind, job, node, (e) => {
    const item = {
      action,
      status: succ ? ('True' as const) : ('False' as const),
      time,
      ...(succ ? {} : { reason }),
    };
    const { reason: _old, ...rest } = e;
    return {
      ...rest,
      actionFlow: [...(e.actionFlow ?? []), item],
      phase: nodePhaseAfter(taskTypeOf(kind), action, succ),
      ...(succ ? {} : { reason: `${action} failed: ${reason ?? ''}` }),
    };
  });
}

async function changeEntry(
  h: Harness,
  kind: NodeTaskKind,
  job: string,
  node: string,
  change: (e: TaskEntry & Record<string, unknown>) => TaskEntry,
): Promise<void> {
  const stored = await mutate(
    h.store,
    kind,
    job,
    (cur) => {
      const entries = (cur.status?.nodeStatus ?? []) as (TaskEntry & Record<string, unknown>)[];
      const i = entries.findIndex((e) => e.nodeName === node);
      if (i < 0) throw new Error(`${kind} ${job} has no entry for ${node}`);
      const next = [...entries];
      next[i] = change(entries[i] as TaskEntry & Record<string, unknown>) as TaskEntry &
        Record<string, unknown>;
      return { ...cur, status: { ...cur.status, nodeStatus: next } } as typeof cur;
    },
    { status: true },
  );
  if (stored === undefined) throw new Error(`${kind} ${job} does not exist`);
}
