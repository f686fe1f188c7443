// A small cloud with real edge nodes running pods, for the kill -9 tests of
// the rollout: a `steady` bare pod on every node and a 3-replica Deployment
// `app` of busybox over the nodes, rolled from image v1 to v2. Helpers read
// the store and each node's containerd (by the CRI labels edged puts on
// sandboxes and containers) so a test can say "the node runs exactly the
// store's pods, once each" after a crash.
import {
  LocalCloud,
  LocalEdge,
  LocalPodNetwork,
  pushBusyboxImage,
  type CloudCoreReplica,
} from '@kedge/localup';
import type { Deployment, Pod } from '@kedge/api';
import { mutate } from '@kedge/store';
import { startRegistry, tempDir, waitFor, type TempDir, type TestRegistry } from '@kedge/testing';

const BUSYBOX = '/bin/busybox';

export interface RunningTask {
  kind: string;
  podUid: string;
  container: string;
}

const podSpec = (name: string, image: string): Pod['spec'] => ({
  terminationGracePeriodSeconds: 1,
  containers: [
    {
      name,
      image,
      imagePullPolicy: 'IfNotPresent',
      command: [BUSYBOX, 'sleep', '2147483647'],
      readinessProbe: { exec: { command: [BUSYBOX, 'true'] }, periodSeconds: 1 },
    },
  ],
});

export const isReady = (pod: Pod): boolean =>
  pod.status?.phase === 'Running' &&
  pod.status.conditions?.find((c) => c.type === 'Ready')?.status === 'True';

export const containerIdOf = (pod: Pod): string => pod.status?.containerStatuses?.[0]?.containerID ?? '';

export class RolloutCluster {
  images = { v1: '', v2: '' };
  network: LocalPodNetwork | undefined;
  cloud: LocalCloud | undefined;
  cloudcore: CloudCoreReplica | undefined;
  readonly edges: LocalEdge[] = [];
  private dir: TempDir | undefined;
  private registry: TestRegistry | undefined;

  /** Starts the cloud and `nodes` edge nodes; resolves when the steady pods and 3 v1 pods are Ready. */
  async start(prefix: string, nodes: number): Promise<void> {
    this.dir = await tempDir(prefix);
    this.registry = await startRegistry();
    const url = this.registry.url;
    const pause = await pushBusyboxImage(`${url}/kedge/pause:v1`, {
      entrypoint: [BUSYBOX, 'sleep', '2147483647'],
    });
    this.images = {
      v1: (await pushBusyboxImage(`${url}/kedge/app:v1`)).ref,
      v2: (await pushBusyboxImage(`${url}/kedge/app:v2`, { dataLayers: [1024] })).ref,
    };
    this.network = await LocalPodNetwork.create(nodes);
    const cloud = new LocalCloud({ dir: this.dir.path, keepaliveTimeout: 10 });
    this.cloud = cloud;
    this.cloudcore = await cloud.addCloudCore();
    await cloud.startControllerManager();
    for (const [i, node] of this.network.nodes.entries()) {
      const edge = await LocalEdge.create(this.dir.path, {
        name: `edge-${i + 1}`,
        server: this.cloudcore.address,
        token: cloud.token(`edge-${i + 1}`),
        pods: { netnsPath: node.netns.path, podCIDR: node.podCIDR, sandboxImage: pause.ref },
      });
      this.edges.push(edge);
      for (const ref of [pause.ref, this.images.v1, this.images.v2]) await edge.preloadImage(ref);
      await edge.start();
    }
    await cloud.waitForReady(
      this.edges.map((e) => e.name),
      60_000,
    );
    for (const edge of this.edges) {
      await cloud.store.create('Pod', {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: `steady-${edge.name}`, namespace: 'default' },
        spec: { nodeName: edge.name, ...podSpec('steady', this.images.v1) },
      });
    }
    await cloud.store.create('Deployment', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'app', namespace: 'default' },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: 'app' } },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
        template: { metadata: { labels: { app: 'app' } }, spec: podSpec('app', this.images.v1) },
      },
    } as Deployment);
    await waitFor(
      async () => {
        const all = await this.pods();
        return all.length === nodes + 3 && all.every(isReady) ? true : undefined;
      },
      { what: 'the steady pods and 3 v1 pods Ready', timeoutMs: 120_000 },
    );
  }

  get store(): LocalCloud['store'] {
    if (!this.cloud) throw new Error('the cloud is not started');
    return this.cloud.store;
  }

  async pods(): Promise<Pod[]> {
    return (await this.store.list('Pod', { namespace: 'default' })).items;
  }

  edge(name: string | undefined): LocalEdge {
    const edge = this.edges.find((e) => e.name === name);
    if (!edge) throw new Error(`no edge node ${name}`);
    return edge;
  }

  /** Changes the Deployment's template to image v2 (a rollout starts). */
  async rollToV2(): Promise<void> {
    await mutate(
      this.store,
      'Deployment',
      'app',
      (d) => {
        d.spec.template.spec.containers = podSpec('app', this.images.v2).containers;
        return d;
      },
      { namespace: 'default' },
    );
  }

  /** Resolves with the n-th v2 pod once n v2 pods are placed on a node and one of them is not yet Ready. */
  async v2Placed(n: number): Promise<Pod> {
    return waitFor(
      async () => {
        const v2 = (await this.pods())
          .filter((p) => p.spec.containers[0]?.image === this.images.v2 && p.spec.nodeName)
          .sort((a, b) =>
            (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? ''),
          );
        const fresh = v2.find((p) => !isReady(p));
        return v2.length >= n && fresh ? fresh : undefined;
      },
      { what: `v2 pod ${n} placed`, timeoutMs: 120_000, intervalMs: 50 },
    );
  }

  /** Resolves with every pod once the Deployment reports the rollout to v2 complete and all pods are Ready. */
  async rolloutDone(): Promise<Pod[]> {
    return waitFor(
      async () => {
        const s = (await this.store.get('Deployment', 'app', 'default'))?.status;
        const all = await this.pods();
        const app = all.filter((p) => p.metadata.name.startsWith('app-'));
        return s?.updatedReplicas === 3 &&
          s.availableReplicas === 3 &&
          s.replicas === 3 &&
          app.length === 3 &&
          all.every(isReady) &&
          app.every((p) => p.spec.containers[0]?.image === this.images.v2)
          ? all
          : undefined;
      },
      { what: 'the rollout to v2 complete after the crash', timeoutMs: 240_000 },
    );
  }

  /** The running tasks of a node's containerd, by the CRI labels of their containers. */
  async runningTasks(edge: LocalEdge): Promise<RunningTask[]> {
    const containerd = edge.containerd;
    if (!containerd) throw new Error(`${edge.name} runs no containerd`);
    const out: RunningTask[] = [];
    for (const line of (await containerd.ctr(['tasks', 'ls'])).split('\n').slice(1)) {
      const [id, , status] = line.trim().split(/\s+/);
      if (!id || status !== 'RUNNING') continue;
      const info = JSON.parse(await containerd.ctr(['containers', 'info', id])) as {
        Labels?: Record<string, string>;
      };
      const labels = info.Labels ?? {};
      out.push({
        kind: labels['io.cri-containerd.kind'] ?? '?',
        podUid: labels['io.kedge.pod.uid'] ?? '?',
        container: labels['io.kedge.container.name'] ?? '',
      });
    }
    return out;
  }

  /**
   * `{node: ["<pod> sandbox", "<pod> container <name>", ...]}` as the nodes run them (waiting up to
   * 60 s for them to settle on `pods`) and as `pods` say they should; a test compares the two.
   */
  async runtimeVersusStore(
    pods: Pod[],
  ): Promise<{ running: Record<string, string[]>; expected: Record<string, string[]> }> {
    const name = (uid: string): string =>
      pods.find((p) => p.metadata.uid === uid)?.metadata.name ?? `gone:${uid}`;
    const expected: Record<string, string[]> = {};
    for (const edge of this.edges) {
      expected[edge.name] = pods
        .filter((p) => p.spec.nodeName === edge.name)
        .flatMap((p) => [
          `${p.metadata.name} sandbox`,
          `${p.metadata.name} container ${p.spec.containers[0]?.name}`,
        ])
        .sort();
    }
    const running: Record<string, string[]> = {};
    await waitFor(
      async () => {
        for (const edge of this.edges) {
          running[edge.name] = (await this.runningTasks(edge))
            .map((t) => `${name(t.podUid)} ${t.kind} ${t.container}`.trim())
            .sort();
        }
        return JSON.stringify(running) === JSON.stringify(expected) ? true : undefined;
      },
      { what: "the nodes' running pods to be exactly the store's", timeoutMs: 60_000 },
    ).catch(() => undefined);
    return { running, expected };
  }

  /**
   * `{node: [pod names]}` in each node's metaServer (its local copy of what the cloud sent it),
   * waiting up to 30 s for it to be what `pods` bind to the node; a test compares the two.
   */
  async metaServerVersusStore(
    pods: Pod[],
  ): Promise<{ atEdge: Record<string, string[]>; wanted: Record<string, string[]> }> {
    const wanted: Record<string, string[]> = {};
    for (const edge of this.edges) {
      wanted[edge.name] = pods
        .filter((p) => p.spec.nodeName === edge.name)
        .map((p) => p.metadata.name)
        .sort();
    }
    const atEdge: Record<string, string[]> = {};
    await waitFor(
      async () => {
        for (const edge of this.edges) {
          const res = await fetch(`${edge.metaServerUrl}/api/v1/namespaces/default/pods`, {
            signal: AbortSignal.timeout(5000),
          });
          const list = (await res.json()) as { items?: Pod[] };
          atEdge[edge.name] = (list.items ?? []).map((p) => p.metadata.name).sort();
        }
        return JSON.stringify(atEdge) === JSON.stringify(wanted) ? true : undefined;
      },
      { what: "the nodes' metaServer pods to be the store's", timeoutMs: 30_000 },
    ).catch(() => undefined);
    return { atEdge, wanted };
  }

  async close(): Promise<void> {
    for (const edge of this.edges) await edge.close();
    await this.cloud?.close();
    await this.network?.remove();
    await this.registry?.stop();
    await this.dir?.cleanup();
  }
}
