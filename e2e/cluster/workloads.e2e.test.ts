// Cluster mode with Kubernetes' own controllers: a real kube-apiserver (with
// ServiceAccount admission, as in a real cluster) + etcd, the real
// kube-controller-manager and kube-scheduler of the same release, cloudcore
// and controllermanager on the Kubernetes store with their own
// ServiceAccount tokens (kedge's embedded workload controller off, as
// `workload.enable: auto` resolves it there), and three edge nodes whose
// edged runs pods on their own containerd inside network namespaces the
// test creates (CNI bridge, one pod CIDR per node, routed to each other).
// A Deployment of 3 with required pod anti-affinity on kubernetes.io/hostname
// becomes a ReplicaSet and 3 pods through kube-controller-manager, is placed
// one per node by kube-scheduler, and runs Running/Ready on the nodes (its
// ServiceAccount token, mounted by edged, authenticates as the pod); a
// deleted pod is stopped by its node, finally deleted by cloudcore, and
// replaced through the same loop. The
// nodes stay healthy under kube-controller-manager's node lifecycle because
// cloudcore renews their Leases in kube-node-lease: the timings below make
// the Node status heartbeat alone too slow for its grace period.
import { LocalEdge, LocalPodNetwork, pushBusyboxImage, type CloudCoreReplica } from '@kedge/localup';
import type { Node, Pod } from '@kedge/api';
import {
  startKubeControlPlane,
  startRegistry,
  waitFor,
  type TestKubeControlPlane,
  type TestRegistry,
} from '@kedge/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterFleet } from './cluster-fleet.ts';

const NODES = ['w-1', 'w-2', 'w-3'];
const BUSYBOX = '/bin/busybox';
const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
/**
 * kube-controller-manager's grace period, shorter than cloudcore's Node status interval, so only the
 * Lease (renewed every quarter of it) keeps a node alive; the interval stays under kedge
 * controllermanager's own grace period (20 s in LocalCloud), which also reads the Node status.
 */
const GRACE_SECONDS = 10;
const STATUS_INTERVAL_SECONDS = 12;
/** Run by node inside a node's namespace: GET argv[1], print the body. */
const FETCH =
  'fetch(process.argv[1], { signal: AbortSignal.timeout(5000) }).then((r) => r.text()).then((t) => process.stdout.write(t))';

const ready = (pod: Pod): boolean =>
  pod.status?.phase === 'Running' &&
  pod.status.conditions?.find((c) => c.type === 'Ready')?.status === 'True';

function deployment(image: string): string {
  return JSON.stringify({
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
          affinity: {
            podAntiAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: [
                { labelSelector: { matchLabels: { app: 'web' } }, topologyKey: 'kubernetes.io/hostname' },
              ],
            },
          },
          containers: [
            {
              name: 'web',
              image,
              imagePullPolicy: 'IfNotPresent',
              command: [
                BUSYBOX,
                'sh',
                '-c',
                // Serves its name, and (for the test) the ServiceAccount token the node mounted.
                `${BUSYBOX} mkdir -p /www && echo "$POD_NAME" > /www/index.html && ${BUSYBOX} cp ${SA_DIR}/token /www/token && exec ${BUSYBOX} httpd -f -p 8080 -h /www`,
              ],
              env: [{ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
              ports: [{ containerPort: 8080 }],
              readinessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 2 },
            },
          ],
        },
      },
    },
  });
}

interface KubeEvent {
  reason?: string;
  involvedObject?: { kind?: string; name?: string };
  regarding?: { kind?: string; name?: string };
  reportingComponent?: string;
  source?: { component?: string };
}

describe('cluster mode: kube-controller-manager and kube-scheduler run a Deployment on edge nodes', () => {
  const fleet = new ClusterFleet();
  let controlPlane: TestKubeControlPlane | undefined;
  let registry: TestRegistry | undefined;
  let network: LocalPodNetwork | undefined;
  let cloudcore: CloudCoreReplica;
  const edges: LocalEdge[] = [];

  /** On a failed wait: the pods as kubectl describes them and the logs of every part. */
  const dumpAndThrow = async (err: unknown): Promise<never> => {
    const described = await fleet.kube.kubectl(['describe', 'pods', '-n', 'default'], {
      allowFailure: true,
    });
    console.error(`${described.stdout}\n${controlPlane?.output().slice(-6000)}`);
    for (const e of edges) console.error(`--- ${e.name}\n${e.process?.stdout().slice(-6000)}`);
    console.error(`--- cloudcore\n${cloudcore.process?.stdout().slice(-10000)}`);
    throw err;
  };

  const pods = async (): Promise<Pod[]> =>
    (await fleet.admin.list('Pod', { namespace: 'default', labelSelector: 'app=web' })).items;

  beforeAll(async () => {
    await fleet.start({
      serviceAccountAdmission: true,
      releases: false,
      cloud: {
        keepaliveTimeout: 10,
        nodeStatusUpdateFrequency: STATUS_INTERVAL_SECONDS,
        nodeLeaseDuration: GRACE_SECONDS,
      },
    });
    controlPlane = await startKubeControlPlane(fleet.kube, {
      controllerManagerArgs: [`--node-monitor-grace-period=${GRACE_SECONDS}s`, '--node-monitor-period=2s'],
    });
    await fleet.cloud.startControllerManager();
    cloudcore = await fleet.cloud.addCloudCore();
    registry = await startRegistry();
    const pause = await pushBusyboxImage(`${registry.url}/kedge/pause:v1`, {
      entrypoint: [BUSYBOX, 'sleep', '2147483647'],
    });
    const web = await pushBusyboxImage(`${registry.url}/kedge/web:v1`);
    network = await LocalPodNetwork.create(NODES.length);
    for (const [i, name] of NODES.entries()) {
      const node = network.nodes[i];
      if (!node) throw new Error(`no network for ${name}`);
      const edge = await LocalEdge.create(fleet.dir.path, {
        name,
        server: cloudcore.address,
        token: fleet.cloud.token(name),
        pods: { netnsPath: node.netns.path, podCIDR: node.podCIDR, sandboxImage: pause.ref },
      });
      edges.push(edge);
      await edge.preloadImage(pause.ref);
      await edge.preloadImage(web.ref);
      await edge.start();
    }
    await fleet.waitReady(NODES, 60_000);
    // kube-controller-manager's serviceaccount controller creates `default`; admission needs it.
    await waitFor(
      async () => (await fleet.kube.kubectl(['get', 'sa', 'default'], { allowFailure: true })).code === 0,
      {
        what: 'ServiceAccount default/default created by kube-controller-manager',
        timeoutMs: 60_000,
      },
    );
    await fleet.kube.kubectl(['apply', '-f', '-'], { input: deployment(web.ref) });
  }, 400_000);

  afterAll(async () => {
    await Promise.all(edges.map((e) => e.close()));
    await controlPlane?.stop();
    await fleet.close();
    await network?.remove();
    await registry?.stop();
  }, 120_000);

  it('kedge runs no workload controller of its own here', async () => {
    await fleet.cloud.controllerManager?.running.waitForLine(/workload controller off/, 10_000);
  });

  it('the Deployment goes Available: 3 pods Running and Ready, one per node, answering by pod IP from another node', async () => {
    const running = await waitFor(
      async () => {
        const items = await pods();
        return items.length === 3 && items.every(ready) ? items : undefined;
      },
      { what: 'three Running and Ready pods in the API server', timeoutMs: 150_000, intervalMs: 500 },
    ).catch(dumpAndThrow);
    running.sort((a, b) => (a.spec.nodeName ?? '').localeCompare(b.spec.nodeName ?? ''));
    expect(running.map((p) => p.spec.nodeName)).toEqual(NODES);

    // kube-controller-manager made them: one ReplicaSet web-<pod-template-hash> owned by the Deployment.
    const owners = new Set(running.map((p) => p.metadata.ownerReferences?.[0]?.name));
    expect(owners.size).toBe(1);
    const rsName = [...owners][0] ?? '';
    const rs = await fleet.admin.get('ReplicaSet', rsName, 'default');
    const hash = rs?.metadata.labels?.['pod-template-hash'] ?? '';
    expect(rsName).toBe(`web-${hash}`);
    expect(rs?.metadata.ownerReferences?.[0]).toMatchObject({
      kind: 'Deployment',
      name: 'web',
      controller: true,
    });
    const dep = await waitFor(
      async () => {
        const d = await fleet.admin.get('Deployment', 'web', 'default');
        return d?.status?.availableReplicas === 3 ? d : undefined;
      },
      { what: 'Deployment web availableReplicas 3', timeoutMs: 30_000 },
    );
    expect(dep.status).toMatchObject({ replicas: 3, readyReplicas: 3, updatedReplicas: 3 });

    // kube-scheduler placed them: its Scheduled event for each pod.
    const events = JSON.parse(
      (
        await fleet.kube.kubectl([
          'get',
          'events',
          '-n',
          'default',
          '--field-selector',
          'reason=Scheduled',
          '-o',
          'json',
        ])
      ).stdout,
    ) as { items: KubeEvent[] };
    const scheduled = events.items
      .filter((e) => (e.reportingComponent || e.source?.component) === 'default-scheduler')
      .map((e) => (e.involvedObject ?? e.regarding)?.name)
      .sort();
    expect(scheduled).toEqual(running.map((p) => p.metadata.name).sort());

    for (const [i, pod] of running.entries()) {
      const own = network?.nodes[i];
      const other = network?.nodes[(i + 1) % NODES.length];
      expect(pod.status?.podIP?.startsWith(own?.podCIDR.replace(/0\/24$/, '') ?? '-')).toBe(true);
      expect(pod.spec.serviceAccountName).toBe('default');
      const answer = await other?.netns.exec(process.execPath, [
        '-e',
        FETCH,
        `http://${pod.status?.podIP}:8080/`,
      ]);
      expect(answer?.trim()).toBe(pod.metadata.name);
    }

    // The pod's ServiceAccount token (projected volume the API server's admission added), issued
    // through TokenRequest and mounted by edged: the API server itself authenticates it as the pod.
    const [first] = running;
    const token = await network?.nodes[1]?.netns.exec(process.execPath, [
      '-e',
      FETCH,
      `http://${first?.status?.podIP}:8080/token`,
    ]);
    const review = JSON.parse(
      (
        await fleet.kube.kubectl(['create', '-o', 'json', '-f', '-'], {
          input: JSON.stringify({
            apiVersion: 'authentication.k8s.io/v1',
            kind: 'TokenReview',
            spec: { token: token?.trim() },
          }),
        })
      ).stdout,
    ) as {
      status: { authenticated?: boolean; user?: { username?: string; extra?: Record<string, string[]> } };
    };
    expect(review.status.authenticated).toBe(true);
    expect(review.status.user?.username).toBe('system:serviceaccount:default:default');
    expect(review.status.user?.extra?.['authentication.kubernetes.io/pod-name']).toEqual([
      first?.metadata.name,
    ]);
  }, 240_000);

  it("cloudcore renews each node's Lease, so kube-controller-manager never marks a node unreachable", async () => {
    const taintsSeen = new Set<string>();
    const nodeOk = (n: Node | undefined): boolean => {
      const taints = (n?.spec as { taints?: { key: string; effect: string }[] } | undefined)?.taints;
      for (const t of taints ?? []) taintsSeen.add(`${n?.metadata.name} ${t.key}:${t.effect}`);
      return n?.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
    };
    const before = await Promise.all(NODES.map((n) => fleet.admin.get('Lease', n, 'kube-node-lease')));
    // Two Node status intervals: long enough for the grace period to pass between status writes.
    const until = Date.now() + 2 * STATUS_INTERVAL_SECONDS * 1000 + 2_000;
    let notReady = 0;
    while (Date.now() < until) {
      const nodes = await Promise.all(NODES.map((n) => fleet.admin.get('Node', n)));
      notReady += nodes.filter((n) => !nodeOk(n)).length;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect([...taintsSeen]).toEqual([]);
    expect(notReady).toBe(0);
    const after = await Promise.all(NODES.map((n) => fleet.admin.get('Lease', n, 'kube-node-lease')));
    for (const [i, lease] of after.entries()) {
      expect(lease?.spec).toMatchObject({ holderIdentity: NODES[i], leaseDurationSeconds: GRACE_SECONDS });
      expect(lease?.spec?.renewTime && lease.spec.renewTime > (before[i]?.spec?.renewTime ?? '')).toBe(true);
    }
    expect((await pods()).every(ready)).toBe(true);
  }, 60_000);

  it('a deleted pod ends on its node and the ReplicaSet replaces it there (the only node anti-affinity leaves)', async () => {
    const victim = (await pods()).find((p) => p.spec.nodeName === 'w-2');
    if (!victim) throw new Error('no pod on w-2');
    await fleet.kube.kubectl(['delete', 'pod', victim.metadata.name, '--wait=false']);
    const replacement = await waitFor(
      async () => {
        const items = await pods();
        const gone = !items.some((p) => p.metadata.uid === victim.metadata.uid);
        const fresh = items.find((p) => p.metadata.uid !== victim.metadata.uid && p.spec.nodeName === 'w-2');
        return gone && items.length === 3 && fresh && ready(fresh) ? fresh : undefined;
      },
      {
        what: `${victim.metadata.name} gone and a new pod Ready on w-2`,
        timeoutMs: 90_000,
        intervalMs: 500,
      },
    ).catch(dumpAndThrow);
    expect(replacement.metadata.ownerReferences?.[0]?.name).toBe(victim.metadata.ownerReferences?.[0]?.name);
    const d = await fleet.admin.get('Deployment', 'web', 'default');
    expect(d?.status?.replicas).toBe(3);
  }, 120_000);
});
