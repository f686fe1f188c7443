// Shared setup for the ImagePrePullJob e2e test and the pre-pull benchmark:
// an embedded cloud (cloudcore + controllermanager processes), two real
// registries (one open, one behind Basic auth), busybox images built here and
// pushed to them, and edge nodes run from the workspace sources with the task
// manager on, each with ITS OWN real containerd (temp root, CRI plugin), so a
// node's image store, pull count and availability are its own, as on real
// hardware.
import { type ResourceOf, type Secret } from '@kedge/api';
import { LocalCloud, LocalEdge, pushBusyboxImage, type PushedImage } from '@kedge/localup';
import {
  startContainerd,
  startRegistry,
  tempDir,
  waitFor,
  type StartContainerdOptions,
  type TempDir,
  type TestContainerd,
  type TestRegistry,
} from '@kedge/testing';

export type PrePullJob = ResourceOf<'ImagePrePullJob'>;
export type PrePullTemplate = PrePullJob['spec']['imagePrePullTemplate'];
export type PrePullEntry = NonNullable<NonNullable<PrePullJob['status']>['nodeStatus']>[number];

export const PULL_AUTH = { username: 'edge-puller', password: 'pull-Secret-42' };

export interface PrePullNode {
  name: string;
  edge: LocalEdge;
  containerd: TestContainerd;
}

export class PrePullFleet {
  dir!: TempDir;
  cloud!: LocalCloud;
  open!: TestRegistry;
  locked!: TestRegistry;
  readonly nodes = new Map<string, PrePullNode>();

  async start(): Promise<void> {
    this.dir = await tempDir('kedge-prepull-');
    this.cloud = new LocalCloud({ dir: this.dir.path, keepaliveTimeout: 6 });
    await this.cloud.addCloudCore();
    await this.cloud.startControllerManager();
    this.open = await startRegistry();
    this.locked = await startRegistry({ auth: PULL_AUTH });
  }

  /** Builds a busybox image and pushes it to the open registry, or with `private` to the locked one. */
  pushImage(repo: string, o: { private?: boolean; dataLayers?: number[] } = {}): Promise<PushedImage> {
    const registry = o.private ? this.locked : this.open;
    return pushBusyboxImage(`${registry.url}/${repo}:v1`, {
      ...(o.dataLayers ? { dataLayers: o.dataLayers } : {}),
      ...(o.private ? { auth: PULL_AUTH } : {}),
    });
  }

  /** A docker-config Secret for the locked registry, created in the store. */
  async createPullSecret(namespace: string, name: string): Promise<Secret> {
    const dockerConfig = { auths: { [this.locked.url]: PULL_AUTH } };
    return (await this.cloud.store.create('Secret', {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name, namespace },
      type: 'kubernetes.io/dockerconfigjson',
      data: { '.dockerconfigjson': Buffer.from(JSON.stringify(dockerConfig)).toString('base64') },
    })) as Secret;
  }

  /** Starts a containerd and an edgecore using it per name; resolves when all are Ready. */
  async addNodes(names: string[], containerd: StartContainerdOptions = {}): Promise<PrePullNode[]> {
    const started: PrePullNode[] = [];
    for (const name of names) {
      const ctd = await startContainerd({
        ...containerd,
        plainHttpRegistries: [this.open.url, this.locked.url],
      });
      const edge = await LocalEdge.create(this.dir.path, {
        name,
        server: this.cloud.replicas[0]?.address ?? '',
        token: this.cloud.token(name),
        taskManager: true,
        heartbeat: 1,
        containerRuntimeEndpoint: ctd.endpoint,
      });
      const node = { name, edge, containerd: ctd };
      this.nodes.set(name, node);
      await edge.start();
      started.push(node);
    }
    await this.cloud.waitForReady(names);
    return started;
  }

  node(name: string): PrePullNode {
    const n = this.nodes.get(name);
    if (!n) throw new Error(`no node ${name}`);
    return n;
  }

  async createJob(name: string, template: PrePullTemplate): Promise<PrePullJob> {
    return this.cloud.store.create('ImagePrePullJob', {
      apiVersion: 'operations.kubeedge.io/v1alpha2',
      kind: 'ImagePrePullJob',
      metadata: { name },
      spec: { imagePrePullTemplate: template },
    });
  }

  job(name: string): Promise<PrePullJob | undefined> {
    return this.cloud.store.get('ImagePrePullJob', name);
  }

  /** Waits until the job is Completed or Failure and returns it. */
  async finished(name: string, timeoutMs = 90_000, intervalMs = 200): Promise<PrePullJob> {
    return waitFor(
      async () => {
        const j = await this.job(name);
        return j?.status?.phase === 'Completed' || j?.status?.phase === 'Failure' ? j : undefined;
      },
      { what: `job ${name} finished`, timeoutMs, intervalMs },
    );
  }

  entry(job: PrePullJob, node: string): PrePullEntry {
    const e = job.status?.nodeStatus?.find((s) => s.nodeName === node);
    if (!e) throw new Error(`job ${job.metadata.name} has no entry for ${node}`);
    return e;
  }

  async close(): Promise<void> {
    await Promise.all([...this.nodes.values()].map((n) => n.edge.stop()));
    await Promise.all([...this.nodes.values()].map((n) => n.containerd.stop()));
    await this.cloud?.close();
    await this.open?.stop();
    await this.locked?.stop();
    await this.dir?.cleanup();
  }
}
