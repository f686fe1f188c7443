// Test cloud for node-task integration tests: in-process CloudCore replicas
// on one real SQLite file (as separate processes would share it), and jobs
// written the way controllermanager initialises them (phase Init, one
// Pending entry per node).
import type { NodeTaskEntry, NodeTaskJob, NodeTaskKind } from '@kedge/api';
import { createLogger, systemClock, type Logger } from '@kedge/runtime';
import { openSqliteStore, type ResourceStore } from '@kedge/store';
import { CloudCore } from '../src/cloud-core.ts';

export const TEST_SECRET = 'taskmanager-test-secret-0123456789abcdef';

export function testLogger(): Logger {
  return createLogger({ name: 'cloudcore-test', level: process.env['KEDGE_TEST_LOG_LEVEL'] ?? 'silent' });
}

export interface TestCloudOptions {
  storePath: string;
  replicaId: string;
  batchWindowMs?: number;
  /** Wraps the replica's store (e.g. to count writes). */
  wrapStore?: (store: ResourceStore) => ResourceStore;
  taskManager?: { enable: boolean; disableNodeTaskV1alpha2: boolean };
}

export interface TestCloud {
  core: CloudCore;
  port: number;
  store: ResourceStore;
  stop(): Promise<void>;
}

export async function startTestCloud(o: TestCloudOptions): Promise<TestCloud> {
  const log = testLogger();
  const raw = openSqliteStore({ path: o.storePath, log, pollIntervalMs: 20 });
  const store = o.wrapStore ? o.wrapStore(raw) : raw;
  const core = new CloudCore({
    store,
    log: log.child({ replica: o.replicaId }),
    clock: systemClock,
    replicaId: o.replicaId,
    hub: {
      host: '127.0.0.1',
      port: 0,
      tokenSecret: TEST_SECRET,
      nodeLimit: 1000,
      keepaliveTimeoutMs: 30_000,
      maxMessageBytes: 1 << 20,
    },
    heartbeatWriteIntervalMs: 60_000,
    taskManager: {
      enable: o.taskManager?.enable ?? true,
      disableNodeTaskV1alpha2: o.taskManager?.disableNodeTaskV1alpha2 ?? false,
      ...(o.batchWindowMs !== undefined ? { batchWindowMs: o.batchWindowMs } : {}),
    },
  });
  const port = await core.start();
  let stopped = false;
  return {
    core,
    port,
    store,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await core.stop();
      await raw.close();
    },
  };
}

export interface JobOptions {
  concurrency?: number;
  failureTolerate?: string;
  requireConfirmation?: boolean;
  /** Entries instead of one Pending entry per node. */
  entries?: NodeTaskEntry[];
}

/** Creates a job and initialises its status as controllermanager would. */
export async function createTaskJob(
  store: ResourceStore,
  kind: NodeTaskKind,
  name: string,
  nodeNames: string[],
  o: JobOptions = {},
): Promise<NodeTaskJob> {
  const rollout = {
    nodeNames,
    concurrency: o.concurrency ?? 1,
    timeoutSeconds: 300,
    failureTolerate: o.failureTolerate ?? '0.1',
  };
  const apiVersion = 'operations.kubeedge.io/v1alpha2' as const;
  const metadata = { name };
  let job: NodeTaskJob;
  switch (kind) {
    case 'NodeUpgradeJob':
      job = {
        apiVersion,
        kind,
        metadata,
        spec: {
          ...rollout,
          version: 'v1.1.0',
          image: 'kubeedge/installation-package',
          requireConfirmation: o.requireConfirmation ?? false,
        },
      };
      break;
    case 'ImagePrePullJob':
      job = {
        apiVersion,
        kind,
        metadata,
        spec: { imagePrePullTemplate: { ...rollout, images: ['nginx:1.27'] } },
      };
      break;
    case 'ConfigUpdateJob':
      job = {
        apiVersion,
        kind,
        metadata,
        spec: { ...rollout, updateFields: { 'modules.edgeStream.enable': 'true' } },
      };
      break;
  }
  const created = (await store.create(kind, job)) as NodeTaskJob;
  const entries = o.entries ?? nodeNames.map((nodeName) => ({ nodeName, phase: 'Pending' as const }));
  return (await store.updateStatus(kind, {
    ...created,
    status: { phase: 'Init', nodeStatus: entries },
  } as NodeTaskJob)) as NodeTaskJob;
}

export async function getJob(store: ResourceStore, kind: NodeTaskKind, name: string): Promise<NodeTaskJob> {
  const job = (await store.get(kind, name)) as NodeTaskJob | undefined;
  if (!job) throw new Error(`${kind} ${name} is gone`);
  return job;
}

export function entry(job: NodeTaskJob, node: string): NodeTaskEntry {
  const e = job.status?.nodeStatus?.find((n) => n.nodeName === node);
  if (!e) throw new Error(`${job.kind} ${job.metadata.name} has no entry for ${node}`);
  return e;
}

export function phases(job: NodeTaskJob): Record<string, string> {
  return Object.fromEntries((job.status?.nodeStatus ?? []).map((e) => [e.nodeName, e.phase]));
}
