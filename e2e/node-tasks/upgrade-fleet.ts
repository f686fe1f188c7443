// Shared setup for the NodeUpgradeJob e2e tests: an embedded cloud, a real
// registry with releases built from this workspace, and edge nodes installed
// from a release and run under the supervisor (launcher, restarts) as in
// production.
import { join } from 'node:path';
import type { ResourceOf } from '@kedge/api';
import {
  LocalCloud,
  LocalEdge,
  LocalReleases,
  type CloudCoreReplica,
  type PublishedRelease,
} from '@kedge/localup';
import { tempDir, waitFor, type TempDir } from '@kedge/testing';

export type UpgradeJob = ResourceOf<'NodeUpgradeJob'>;
export type ConfigJob = ResourceOf<'ConfigUpdateJob'>;

export class UpgradeFleet {
  dir!: TempDir;
  cloud!: LocalCloud;
  cloudcore!: CloudCoreReplica;
  releases!: LocalReleases;
  base!: PublishedRelease;
  target!: PublishedRelease;
  readonly edges = new Map<string, LocalEdge>();

  /** `target: false` publishes only the base release (for jobs that do not upgrade). */
  async start(
    options: { target?: boolean; featureGates?: { disableNodeTaskV1alpha2?: boolean } } = {},
  ): Promise<void> {
    this.dir = await tempDir('kedge-upgrade-');
    this.cloud = new LocalCloud({
      dir: this.dir.path,
      keepaliveTimeout: 6,
      ...(options.featureGates ? { featureGates: options.featureGates } : {}),
    });
    this.cloudcore = await this.cloud.addCloudCore();
    await this.cloud.startControllerManager();
    this.releases = await LocalReleases.start(this.dir.path);
    this.base = await this.releases.publish('v1.0.0');
    if (options.target !== false) this.target = await this.releases.publish('v1.1.0');
  }

  /** Installs `names` from the base release and starts them; resolves when all are Ready. */
  async addEdges(
    names: string[],
    options: { env?: Record<string, string>; healthTimeout?: number; server?: CloudCoreReplica } = {},
  ): Promise<LocalEdge[]> {
    const started: LocalEdge[] = [];
    for (const name of names) {
      const edge = await LocalEdge.create(this.dir.path, {
        name,
        server: (options.server ?? this.cloudcore).address,
        token: this.cloud.token(name),
        taskManager: true,
        release: this.base.dir,
        heartbeat: 1,
        healthTimeout: options.healthTimeout ?? 60,
        env: options.env ?? {},
      });
      await edge.start();
      this.edges.set(name, edge);
      started.push(edge);
    }
    await this.cloud.waitForReady(names);
    return started;
  }

  edge(name: string): LocalEdge {
    const e = this.edges.get(name);
    if (!e) throw new Error(`no edge ${name}`);
    return e;
  }

  async createJob(name: string, spec: Partial<UpgradeJob['spec']>): Promise<void> {
    await this.cloud.store.create('NodeUpgradeJob', {
      apiVersion: 'operations.kubeedge.io/v1alpha2',
      kind: 'NodeUpgradeJob',
      metadata: { name },
      spec: { version: this.target.version, image: this.releases.image, ...spec },
    } as UpgradeJob);
  }

  job(name: string): Promise<UpgradeJob | undefined> {
    return this.cloud.store.get('NodeUpgradeJob', name);
  }

  /** Waits until the job is Completed or Failure and returns it. */
  async finished(name: string, timeoutMs = 90_000): Promise<UpgradeJob> {
    return waitFor(
      async () => {
        const j = await this.job(name);
        return j?.status?.phase === 'Completed' || j?.status?.phase === 'Failure' ? j : undefined;
      },
      { what: `job ${name} finished`, timeoutMs, intervalMs: 200 },
    );
  }

  async createConfigJob(name: string, spec: Partial<ConfigJob['spec']>): Promise<void> {
    await this.cloud.store.create('ConfigUpdateJob', {
      apiVersion: 'operations.kubeedge.io/v1alpha2',
      kind: 'ConfigUpdateJob',
      metadata: { name },
      spec: { updateFields: {}, ...spec },
    } as ConfigJob);
  }

  configJob(name: string): Promise<ConfigJob | undefined> {
    return this.cloud.store.get('ConfigUpdateJob', name);
  }

  /** Waits until the ConfigUpdateJob is Completed or Failure and returns it. */
  async configFinished(name: string, timeoutMs = 90_000): Promise<ConfigJob> {
    return waitFor(
      async () => {
        const j = await this.configJob(name);
        return j?.status?.phase === 'Completed' || j?.status?.phase === 'Failure' ? j : undefined;
      },
      { what: `config update job ${name} finished`, timeoutMs, intervalMs: 200 },
    );
  }

  entry<J extends UpgradeJob | ConfigJob>(
    job: J,
    node: string,
  ): NonNullable<NonNullable<J['status']>['nodeStatus']>[number] {
    const e = job.status?.nodeStatus?.find((s) => s.nodeName === node);
    if (!e) throw new Error(`job ${job.metadata.name} has no entry for ${node}`);
    return e;
  }

  /** The version the node's edgecore reports right now, from its metaServer. */
  async runningVersion(node: string): Promise<string> {
    const res = await fetch(`${this.edge(node).metaServerUrl}/healthz`);
    return ((await res.json()) as { version: string }).version;
  }

  async nodeVersion(node: string): Promise<string | undefined> {
    return (await this.cloud.store.get('Node', node))?.status?.nodeInfo?.kubeletVersion;
  }

  failpointDir(node: string): string {
    return join(this.dir.path, `failpoints-${node}`);
  }

  async stopEdges(names: string[]): Promise<void> {
    await Promise.all(names.map((n) => this.edges.get(n)?.stop() ?? Promise.resolve()));
  }

  async close(): Promise<void> {
    await Promise.all([...this.edges.values()].map((e) => e.stop()));
    await this.cloud?.close();
    await this.releases?.stop();
    await this.dir?.cleanup();
  }
}

export const actionsOf = (entry: { actionFlow?: { action: string; status: string }[] }): string[] =>
  (entry.actionFlow ?? []).map((a) => `${a.action}=${a.status}`);
