// A Deployment running as real containers on three real edge nodes: the
// embedded cloud (cloudcore + controllermanager's workload controller) places
// a 3-replica Deployment of a busybox HTTP server, one pod per node; each
// node's edged runs its pod on the node's own containerd (inside the node's
// network namespace, CNI bridge, pod CIDR 10.244.<i>.0/24), and cloudcore
// writes the status edged reports into the store. The nodes' namespaces are
// joined through a bridge in one more namespace, with routes to each other's
// pod CIDRs, so every pod answers on its pod IP from another node. A killed
// container is restarted (restartCount 1 in the store); with cloudcore
// stopped, a restarted edgecore adopts the running containers (same IDs) and
// still restarts a killed one; after reconnect the store catches up.
import {
  LocalCloud,
  LocalEdge,
  LocalPodNetwork,
  pushBusyboxImage,
  type CloudCoreReplica,
} from '@kedge/localup';
import type { Pod } from '@kedge/api';
import { startRegistry, tempDir, waitFor, type TempDir, type TestRegistry } from '@kedge/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const NODES = ['edge-1', 'edge-2', 'edge-3'];
const BUSYBOX = '/bin/busybox';
/** Run by node inside a node's namespace: GET argv[1], print the body. */
const FETCH =
  'fetch(process.argv[1], { signal: AbortSignal.timeout(5000) }).then((r) => r.text()).then((t) => process.stdout.write(t))';

describe('a Deployment runs as real containers, one pod per edge node', () => {
  let dir: TempDir;
  let registry: TestRegistry;
  let network: LocalPodNetwork | undefined;
  let cloud: LocalCloud;
  let cloudcore: CloudCoreReplica;
  const edges: LocalEdge[] = [];

  const edgeOf = (pod: Pod): LocalEdge => {
    const edge = edges.find((e) => e.name === pod.spec.nodeName);
    if (!edge) throw new Error(`pod ${pod.metadata.name} is on no known node (${pod.spec.nodeName})`);
    return edge;
  };
  const containerId = (pod: Pod): string =>
    pod.status?.containerStatuses?.[0]?.containerID?.replace('containerd://', '') ?? '';
  const restartCount = (pod: Pod): number => pod.status?.containerStatuses?.[0]?.restartCount ?? -1;
  const ready = (pod: Pod): boolean =>
    pod.status?.phase === 'Running' &&
    pod.status.conditions?.find((c) => c.type === 'Ready')?.status === 'True';

  const pods = async (): Promise<Pod[]> =>
    (await cloud.store.list('Pod', { namespace: 'default' })).items.sort((a, b) =>
      (a.spec.nodeName ?? '').localeCompare(b.spec.nodeName ?? ''),
    );

  /** `{container id: pid}` of the running tasks in a node's containerd. */
  const tasks = async (edge: LocalEdge): Promise<Map<string, number>> => {
    const out = (await edge.containerd?.ctr(['tasks', 'ls'])) ?? '';
    const running = new Map<string, number>();
    for (const line of out.split('\n').slice(1)) {
      const [id, pid, status] = line.trim().split(/\s+/);
      if (id && pid && status === 'RUNNING') running.set(id, Number(pid));
    }
    return running;
  };

  const killContainer = async (pod: Pod): Promise<void> => {
    const pid = (await tasks(edgeOf(pod))).get(containerId(pod));
    expect(pid, `the task of ${pod.metadata.name}`).toBeGreaterThan(0);
    process.kill(pid ?? 0, 'SIGKILL');
  };

  beforeAll(async () => {
    dir = await tempDir('kedge-deployment-pods-');
    registry = await startRegistry();
    const pause = await pushBusyboxImage(`${registry.url}/kedge/pause:v1`, {
      entrypoint: [BUSYBOX, 'sleep', '2147483647'],
    });
    const web = await pushBusyboxImage(`${registry.url}/kedge/web:v1`);
    network = await LocalPodNetwork.create(NODES.length);
    cloud = new LocalCloud({ dir: dir.path, keepaliveTimeout: 10 });
    cloudcore = await cloud.addCloudCore();
    await cloud.startControllerManager();
    for (const [i, name] of NODES.entries()) {
      const node = network.nodes[i];
      if (!node) throw new Error(`no network for ${name}`);
      const edge = await LocalEdge.create(dir.path, {
        name,
        server: cloudcore.address,
        token: cloud.token(name),
        pods: { netnsPath: node.netns.path, podCIDR: node.podCIDR, sandboxImage: pause.ref },
      });
      edges.push(edge);
      await edge.preloadImage(pause.ref);
      await edge.preloadImage(web.ref);
      await edge.start();
    }
    await cloud.waitForReady(NODES);
    await cloud.store.create('Deployment', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'default' },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: {
            terminationGracePeriodSeconds: 1,
            containers: [
              {
                name: 'web',
                image: web.ref,
                imagePullPolicy: 'IfNotPresent',
                command: [
                  BUSYBOX,
                  'sh',
                  '-c',
                  `${BUSYBOX} mkdir -p /www && echo "$POD_NAME" > /www/index.html && exec ${BUSYBOX} httpd -f -p 8080 -h /www`,
                ],
                env: [{ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
                ports: [{ containerPort: 8080 }],
              },
            ],
          },
        },
      },
    } as never);
  }, 120_000);

  afterAll(async () => {
    await Promise.all(edges.map((e) => e.close()));
    await cloud?.close();
    await network?.remove();
    await registry?.stop();
    await dir?.cleanup();
  }, 60_000);

  it('all three pods go Running and Ready in the store, one per node, each answering from another node', async () => {
    const running = await waitFor(
      async () => {
        const items = await pods();
        return items.length === 3 && items.every(ready) ? items : undefined;
      },
      { what: 'three Running and Ready pods in the store', timeoutMs: 60_000 },
    );
    expect(running.map((p) => p.spec.nodeName)).toEqual(NODES);
    for (const [i, pod] of running.entries()) {
      const own = network?.nodes[i];
      const other = network?.nodes[(i + 1) % NODES.length];
      expect(pod.status?.podIP?.startsWith(own?.podCIDR.replace(/0\/24$/, '') ?? '-')).toBe(true);
      expect(containerId(pod)).toMatch(/^[0-9a-f]{64}$/);
      const answer = await other?.netns.exec(process.execPath, [
        '-e',
        FETCH,
        `http://${pod.status?.podIP}:8080/`,
      ]);
      expect(answer?.trim()).toBe(pod.metadata.name);
    }
  });

  it('a killed container is restarted and the store shows restartCount 1', async () => {
    const [pod] = await pods();
    if (!pod) throw new Error('no pod');
    const before = containerId(pod);
    await killContainer(pod);
    const after = await waitFor(
      async () => {
        const now = await cloud.store.get('Pod', pod.metadata.name, 'default');
        return now && restartCount(now) === 1 && ready(now) ? now : undefined;
      },
      { what: `${pod.metadata.name} restarted`, timeoutMs: 30_000 },
    );
    expect(containerId(after)).not.toBe(before);
    expect(after.status?.containerStatuses?.[0]?.lastState?.terminated?.exitCode).toBe(137);
  });

  it('with cloudcore stopped, a restarted edgecore keeps its containers; after reconnect the store catches up', async () => {
    const placed = await pods();
    const before = await Promise.all(edges.map(tasks));
    await cloudcore.stop();
    for (const edge of edges) {
      await edge.stop();
      await edge.start();
    }
    // Adopted, not replaced: the same containers still run a few syncs later.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const after = await Promise.all(edges.map(tasks));
    expect(after.map((t) => [...t.keys()].sort())).toEqual(before.map((t) => [...t.keys()].sort()));
    // Still restarting crashed containers while the cloud is away.
    const victim = placed[1];
    if (!victim) throw new Error('no pod');
    await killContainer(victim);
    await waitFor(
      async () => {
        const running = await tasks(edgeOf(victim));
        return running.size === 2 && !running.has(containerId(victim)) ? true : undefined;
      },
      { what: `${victim.metadata.name} restarted offline`, timeoutMs: 30_000 },
    );
    await cloudcore.start();
    const caughtUp = await waitFor(
      async () => {
        const now = await cloud.store.get('Pod', victim.metadata.name, 'default');
        return now && restartCount(now) === 1 && ready(now) && containerId(now) !== containerId(victim)
          ? now
          : undefined;
      },
      { what: `the store shows ${victim.metadata.name}'s offline restart`, timeoutMs: 30_000 },
    );
    expect((await tasks(edgeOf(victim))).has(containerId(caughtUp))).toBe(true);
    for (const pod of placed.filter((p) => p !== victim)) {
      const now = await cloud.store.get('Pod', pod.metadata.name, 'default');
      expect(now && containerId(now)).toBe(containerId(pod));
    }
  });
});
