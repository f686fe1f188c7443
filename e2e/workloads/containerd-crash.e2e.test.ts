// kill -9 of the edge node's containerd in the middle of a rolling update:
// a 3-replica Deployment rolls from v1 to v2 on one real edge node while a
// bare pod runs beside it; once the first v2 pod is placed, containerd is
// killed (its shims, and so the running containers, live on) and started
// again on the same root; then again when the second v2 pod is placed. Afterwards the rollout completes, no pod runs
// twice (one running sandbox per pod UID, one running container per pod
// and container name, nothing left of pods the store no longer has), and
// the store shows every pod Running and Ready with sensible restart counts
// (the bare pod's container untouched: restartCount 0, same container ID).
import { LocalCloud, LocalEdge, LocalPodNetwork, pushBusyboxImage } from '@kedge/localup';
import type { Deployment, Pod } from '@kedge/api';
import { mutate } from '@kedge/store';
import { startRegistry, tempDir, waitFor, type TempDir, type TestRegistry } from '@kedge/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const BUSYBOX = '/bin/busybox';

interface RunningTask {
  kind: string;
  podUid: string;
  container: string;
}

describe('kill -9 of containerd mid-rollout', () => {
  let dir: TempDir;
  let registry: TestRegistry;
  let network: LocalPodNetwork | undefined;
  let cloud: LocalCloud;
  let edge: LocalEdge;
  let images: { v1: string; v2: string };

  const spec = (name: string, image: string): Pod['spec'] => ({
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
  const ready = (pod: Pod): boolean =>
    pod.status?.phase === 'Running' &&
    pod.status.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
  const pods = async (): Promise<Pod[]> => (await cloud.store.list('Pod', { namespace: 'default' })).items;

  /** The running tasks of the node's containerd, by the CRI labels of their containers. */
  const runningTasks = async (): Promise<RunningTask[]> => {
    const containerd = edge.containerd;
    if (!containerd) throw new Error('the edge runs no containerd');
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
  };

  beforeAll(async () => {
    dir = await tempDir('kedge-containerd-crash-');
    registry = await startRegistry();
    const pause = await pushBusyboxImage(`${registry.url}/kedge/pause:v1`, {
      entrypoint: [BUSYBOX, 'sleep', '2147483647'],
    });
    images = {
      v1: (await pushBusyboxImage(`${registry.url}/kedge/app:v1`)).ref,
      v2: (await pushBusyboxImage(`${registry.url}/kedge/app:v2`, { dataLayers: [1024] })).ref,
    };
    network = await LocalPodNetwork.create(1);
    const node = network.nodes[0];
    if (!node) throw new Error('no node network');
    cloud = new LocalCloud({ dir: dir.path, keepaliveTimeout: 10 });
    const cloudcore = await cloud.addCloudCore();
    await cloud.startControllerManager();
    edge = await LocalEdge.create(dir.path, {
      name: 'edge-1',
      server: cloudcore.address,
      token: cloud.token('edge-1'),
      pods: { netnsPath: node.netns.path, podCIDR: node.podCIDR, sandboxImage: pause.ref },
    });
    for (const ref of [pause.ref, images.v1, images.v2]) await edge.preloadImage(ref);
    await edge.start();
    await cloud.waitForReady(['edge-1']);
    await cloud.store.create('Pod', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'steady', namespace: 'default' },
      spec: { nodeName: 'edge-1', ...spec('steady', images.v1) },
    });
    await cloud.store.create('Deployment', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'app', namespace: 'default' },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: 'app' } },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
        template: { metadata: { labels: { app: 'app' } }, spec: spec('app', images.v1) },
      },
    } as Deployment);
    await waitFor(
      async () => {
        const all = await pods();
        return all.length === 4 && all.every(ready) ? true : undefined;
      },
      { what: 'the steady pod and 3 v1 pods Ready', timeoutMs: 90_000 },
    );
  }, 240_000);

  afterAll(async () => {
    await edge?.close();
    await cloud?.close();
    await network?.remove();
    await registry?.stop();
    await dir?.cleanup();
  }, 60_000);

  it('after the crash the rollout completes, no pod runs twice and the status is right', async () => {
    const steady = await cloud.store.get('Pod', 'steady', 'default');
    const steadyId = steady?.status?.containerStatuses?.[0]?.containerID;
    expect(steadyId).toMatch(/^containerd:\/\//);
    await mutate(
      cloud.store,
      'Deployment',
      'app',
      (d) => {
        d.spec.template.spec.containers = spec('app', images.v2).containers;
        return d;
      },
      { namespace: 'default' },
    );
    // mid-rollout, twice: when the first and when the second v2 pod is placed, not yet Ready
    for (const placed of [1, 2]) {
      await waitFor(
        async () =>
          (await pods()).filter((p) => p.spec.containers[0]?.image === images.v2 && p.spec.nodeName).length >=
            placed && (await pods()).some((p) => p.spec.containers[0]?.image === images.v2 && !ready(p))
            ? true
            : undefined,
        { what: `v2 pod ${placed} placed`, timeoutMs: 90_000, intervalMs: 50 },
      );
      await edge.containerd?.crashAndRestart(1500);
    }

    const done = await waitFor(
      async () => {
        const deployment = await cloud.store.get('Deployment', 'app', 'default');
        const all = await pods();
        const app = all.filter((p) => p.metadata.name.startsWith('app-'));
        const s = deployment?.status;
        return s?.updatedReplicas === 3 &&
          s.availableReplicas === 3 &&
          s.replicas === 3 &&
          app.length === 3 &&
          app.every((p) => ready(p) && p.spec.containers[0]?.image === images.v2)
          ? all
          : undefined;
      },
      { what: 'the rollout to v2 complete after the crash', timeoutMs: 180_000 },
    );

    // The runtime settles on exactly the store's pods: one sandbox and one container each.
    const name = (uid: string): string =>
      done.find((p) => p.metadata.uid === uid)?.metadata.name ?? `gone:${uid}`;
    const summary = (tasks: RunningTask[]): string[] =>
      tasks.map((t) => `${name(t.podUid)} ${t.kind} ${t.container}`.trim()).sort();
    const expected = done
      .flatMap((p) => [
        `${p.metadata.name} sandbox`,
        `${p.metadata.name} container ${p.spec.containers[0]?.name}`,
      ])
      .sort();
    let running: string[] = [];
    await waitFor(
      async () => {
        running = summary(await runningTasks());
        return JSON.stringify(running) === JSON.stringify(expected) ? true : undefined;
      },
      { what: "the node's running pods to be exactly the store's", timeoutMs: 60_000 },
    ).catch(() => undefined);
    expect(running).toEqual(expected);
    for (const pod of done) {
      const status = pod.status?.containerStatuses?.[0];
      expect(status?.ready, pod.metadata.name).toBe(true);
      expect(status?.restartCount, `${pod.metadata.name} restartCount`).toBeLessThanOrEqual(1);
    }
    const after = done.find((p) => p.metadata.name === 'steady');
    expect(after?.status?.containerStatuses?.[0]).toMatchObject({ restartCount: 0, containerID: steadyId });
  });
});
