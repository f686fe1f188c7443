// One test's world: a temp dir holding the SQLite file, the test's own store
// connection (it plays controllermanager and the operator), the CloudCore
// replicas and edges it started; close() tears all of it down.
import type { NodeTaskJob, NodeTaskKind } from '@kedge/api';
import { openSqliteStore, type ResourceStore, type WatchEvent } from '@kedge/store';
import { tempDir, waitFor, type TempDir } from '@kedge/testing';
import { join } from 'node:path';
import {
  TEST_SECRET,
  getJob,
  startTestCloud,
  testLogger,
  type TestCloud,
  type TestCloudOptions,
} from './task-cloud.ts';
import { TaskEdge, type TaskScript } from './task-edge.ts';

export class TaskHarness {
  readonly store: ResourceStore;
  readonly storePath: string;
  private readonly dir: TempDir;
  private readonly clouds: TestCloud[] = [];
  private readonly edges: TaskEdge[] = [];
  private readonly watches = new AbortController();

  private constructor(dir: TempDir) {
    this.dir = dir;
    this.storePath = join(dir.path, 'kedge.db');
    this.store = openSqliteStore({ path: this.storePath, log: testLogger(), pollIntervalMs: 10 });
  }

  static async create(): Promise<TaskHarness> {
    return new TaskHarness(await tempDir('kedge-taskmanager-'));
  }

  async cloud(replicaId: string, o: Partial<TestCloudOptions> = {}): Promise<TestCloud> {
    const cloud = await startTestCloud({ storePath: this.storePath, replicaId, batchWindowMs: 5, ...o });
    this.clouds.push(cloud);
    return cloud;
  }

  async edge(cloud: TestCloud, nodeName: string, script?: TaskScript): Promise<TaskEdge> {
    const edge = await TaskEdge.connect(cloud.port, nodeName, TEST_SECRET, script);
    this.edges.push(edge);
    return edge;
  }

  /** Every stored version of the job from now on, in order (read from the store's change log). */
  recordVersions(kind: NodeTaskKind, name: string): NodeTaskJob[] {
    const versions: NodeTaskJob[] = [];
    const events = this.store.watch(kind, { signal: this.watches.signal });
    void (async () => {
      for await (const e of events as AsyncIterable<WatchEvent<NodeTaskKind>>) {
        if (e.object.metadata.name === name) versions.push(e.object as NodeTaskJob);
      }
    })().catch(() => undefined);
    return versions;
  }

  /** Waits until the stored job satisfies `ok`; returns it. */
  async waitForJob(
    kind: NodeTaskKind,
    name: string,
    ok: (job: NodeTaskJob) => boolean,
    what: string,
    timeoutMs = 15_000,
  ): Promise<NodeTaskJob> {
    return waitFor(
      async () => {
        const job = await getJob(this.store, kind, name);
        return ok(job) ? job : undefined;
      },
      { what, timeoutMs, intervalMs: 20 },
    );
  }

  async close(): Promise<void> {
    this.watches.abort();
    await Promise.all(this.edges.map((e) => e.close()));
    await Promise.all(this.clouds.map((c) => c.stop()));
    await this.store.close();
    await this.dir.cleanup();
  }
}
