// The traffic closed loop on real containers: five edge nodes, each with
// its containerd, CNI bridge and pods in a network namespace the test makes
// (LocalPodNetwork), edgecore's service proxy writing its rules there. Two
// NodeGroups (a: a-1, a-2; b: b-1, b-2) label their members through the
// NodeGroup controller; `loner` is in no group. A 4-replica Deployment of an
// HTTP server answering its pod name runs one pod per group node, behind a
// Service annotated apps.kubeedge.io/service-topology: range-nodegroup
// (ClusterIP from the embedded endpointslice controller). From a pod of
// group a, 40 requests to the cluster IP reach only group a's pods, each of
// them; the same for b; a-2 moved to group b: within FOLLOW_BOUND_MS both
// groups' answers follow; the loner node gets no endpoints (no DNAT rule,
// its requests fail). Pods resolve the Service's name through the proxy's
// DNS responder in each node's namespace.
import {
  LocalCloud,
  LocalEdge,
  LocalPodNetwork,
  pushBusyboxImage,
  requestsFromPod,
  type CloudCoreReplica,
} from '@kedge/localup';
import type { Deployment, Pod, Service } from '@kedge/api';
import { mutate } from '@kedge/store';
import { startRegistry, tempDir, waitFor, type TempDir, type TestRegistry } from '@kedge/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const NODES = ['a-1', 'a-2', 'b-1', 'b-2', 'loner'];
const BUSYBOX = '/bin/busybox';
const REQUESTS = 40;
const ROLE = 'example.com/role';
/** From a NodeGroup change to every node's proxy answering the new way (stated in docs/node-groups.md). */
const FOLLOW_BOUND_MS = 15_000;

describe('traffic closed loop: a range-nodegroup Service answers from the caller’s own group only', () => {
  let dir: TempDir;
  let registry: TestRegistry;
  let network: LocalPodNetwork | undefined;
  let cloud: LocalCloud;
  let cloudcore: CloudCoreReplica;
  const edges = new Map<string, LocalEdge>();
  let clusterIP = '';

  const ready = (pod: Pod): boolean =>
    pod.status?.phase === 'Running' &&
    pod.status.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
  const webPods = async (): Promise<Pod[]> =>
    (await cloud.store.list('Pod', { namespace: 'default' })).items.filter(
      (p) => p.metadata.labels?.['app'] === 'web',
    );
  const podOn = async (node: string): Promise<Pod> => {
    const pod = (await webPods()).find((p) => p.spec.nodeName === node);
    if (!pod) throw new Error(`no web pod on ${node}`);
    return pod;
  };

  /** `REQUESTS` requests to the Service from inside `pod`'s network namespace: answers counted by pod name. */
  const tally = (pod: Pod): Promise<Record<string, number>> =>
    requestsFromPod(edges.get(pod.spec.nodeName ?? '')!, pod, `http://${clusterIP}/`, REQUESTS);

  const names = async (nodes: string[]) =>
    Promise.all(nodes.map(async (n) => (await podOn(n)).metadata.name)).then((l) => l.sort());

  const setGroup = (group: string, nodes: string[]) =>
    mutate(cloud.store, 'NodeGroup', group, (g) => ({ ...g, spec: { ...g.spec, nodes } }));

  beforeAll(async () => {
    dir = await tempDir('kedge-closed-loop-');
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
        pods: {
          netnsPath: node.netns.path,
          podCIDR: node.podCIDR,
          sandboxImage: pause.ref,
          serviceProxy: { clusterDNS: node.nodeAddress },
        },
      });
      edges.set(name, edge);
      await edge.preloadImage(pause.ref);
      await edge.preloadImage(web.ref);
      await edge.start();
    }
    await cloud.waitForReady(NODES);
    // The admin's label that places the web pods on the four group nodes (a node may not set it itself).
    for (const name of NODES.filter((n) => n !== 'loner')) {
      await mutate(cloud.store, 'Node', name, (n) => ({
        ...n,
        metadata: { ...n.metadata, labels: { ...n.metadata.labels, [ROLE]: 'web' } },
      }));
    }
    for (const [group, nodes] of [
      ['a', ['a-1', 'a-2']],
      ['b', ['b-1', 'b-2']],
    ] as const) {
      await cloud.store.create('NodeGroup', {
        apiVersion: 'apps.kubeedge.io/v1alpha1',
        kind: 'NodeGroup',
        metadata: { name: group },
        spec: { nodes: [...nodes] },
      });
    }
    await cloud.store.create('Service', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name: 'web',
        namespace: 'default',
        annotations: { 'apps.kubeedge.io/service-topology': 'range-nodegroup' },
      },
      spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] },
    } satisfies Service);
    await cloud.store.create('Deployment', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'default' },
      spec: {
        replicas: 4,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: {
            nodeSelector: { [ROLE]: 'web' },
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
    } as Deployment);
    let seen: string[] = [];
    await waitFor(
      async () => {
        const pods = await webPods();
        seen = pods.map((p) => `${p.metadata.name}@${p.spec.nodeName ?? '-'}:${p.status?.phase ?? '-'}`);
        return pods.length === 4 && pods.every(ready) ? true : undefined;
      },
      { what: 'four Running and Ready web pods', timeoutMs: 90_000 },
    ).catch((err: unknown) => {
      throw new Error(`${String(err)}; pods: ${seen.join(', ')}`);
    });
    clusterIP = await waitFor(
      async () => (await cloud.store.get('Service', 'web', 'default'))?.spec?.clusterIP,
      {
        what: 'the ClusterIP of web',
        timeoutMs: 10_000,
      },
    );
  }, 240_000);

  afterAll(async () => {
    await Promise.all([...edges.values()].map((e) => e.close()));
    await cloud?.close();
    await network?.remove();
    await registry?.stop();
    await dir?.cleanup();
  }, 90_000);

  it('one web pod per group node; from a pod of each group, every answer comes from that group, all its pods answer', async () => {
    expect((await webPods()).map((p) => p.spec.nodeName).sort()).toEqual(['a-1', 'a-2', 'b-1', 'b-2']);
    for (const [client, members] of [
      ['a-1', ['a-1', 'a-2']],
      ['b-2', ['b-1', 'b-2']],
    ] as const) {
      const want = await names([...members]);
      const counts = await waitFor(
        async () => {
          const c = await tally(await podOn(client)).catch(() => undefined);
          return c && Object.keys(c).sort().join() === want.join() ? c : undefined;
        },
        { what: `answers from exactly ${want.join(', ')} to a pod on ${client}`, timeoutMs: 30_000 },
      );
      expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(REQUESTS);
    }
  }, 120_000);

  it("a pod's resolv.conf names the node's DNS responder with the ClusterFirst search list; web.default.svc.cluster.local resolves to the cluster IP", async () => {
    const pod = await podOn('a-1');
    const id = pod.status?.containerStatuses?.[0]?.containerID?.replace('containerd://', '') ?? '';
    const execIn = (args: string[]) =>
      edges
        .get('a-1')!
        .containerd!.ctr(['tasks', 'exec', '--exec-id', `dns-${Date.now()}`, id, BUSYBOX, ...args], {
          timeoutMs: 20_000,
        });
    const resolv = await execIn(['cat', '/etc/resolv.conf']);
    expect(resolv).toContain(`nameserver ${network!.nodes[0]!.nodeAddress}`);
    expect(resolv).toMatch(/search default\.svc\.cluster\.local svc\.cluster\.local cluster\.local/);
    let last = '';
    const answer = await waitFor(
      () =>
        execIn(['nslookup', 'web.default.svc.cluster.local']).catch((err: unknown) => {
          last = String(err);
          return undefined;
        }),
      { what: 'an nslookup answer inside the pod', timeoutMs: 20_000 },
    ).catch(async (err: unknown) => {
      const sockets = await network!.nodes[0]!.netns.exec('ss', ['-uln']).catch((e: unknown) => String(e));
      throw new Error(`${String(err)}; last: ${last}; sockets on a-1: ${sockets}`);
    });
    expect(answer).toContain(`Address: ${clusterIP}`);
  }, 60_000);

  it('a node in no group gets no endpoints: no DNAT rule on loner, its requests to the Service fail', async () => {
    const loner = network!.nodes[NODES.indexOf('loner')]!;
    const save = await loner.netns.exec('iptables-save', ['-t', 'nat']);
    expect(save).toContain('KEDGE-SERVICES');
    expect(save).not.toContain('default/web:80/tcp');
    await expect(
      loner.netns.exec(
        process.execPath,
        ['-e', `fetch('http://${clusterIP}/', { signal: AbortSignal.timeout(5000) }).then((r) => r.text())`],
        { timeoutMs: 20_000 },
      ),
    ).rejects.toThrow();
    // While each group node's rules hold only its group's endpoints.
    const a1 = network!.nodes[NODES.indexOf('a-1')]!;
    const rules = await a1.netns.exec('iptables-save', ['-t', 'nat']);
    const bIPs = await Promise.all(['b-1', 'b-2'].map(async (n) => (await podOn(n)).status?.podIP ?? '-'));
    for (const ip of bIPs) expect(rules).not.toContain(`${ip}:8080`);
  }, 60_000);

  it(`a-2 moved from group a to b: within ${FOLLOW_BOUND_MS / 1000} s a's pods answer from a-1 only, b's from b-1, b-2 and a-2`, async () => {
    const moved = Date.now();
    await setGroup('a', ['a-1']);
    await setGroup('b', ['b-1', 'b-2', 'a-2']);
    const wantA = await names(['a-1']);
    const wantB = await names(['a-2', 'b-1', 'b-2']);
    await waitFor(
      async () => {
        const c = await tally(await podOn('a-1')).catch(() => undefined);
        return c && Object.keys(c).sort().join() === wantA.join() ? true : undefined;
      },
      { what: `answers to a-1 from ${wantA.join()} only`, timeoutMs: FOLLOW_BOUND_MS },
    );
    await waitFor(
      async () => {
        const c = await tally(await podOn('b-1')).catch(() => undefined);
        return c && Object.keys(c).sort().join() === wantB.join() ? true : undefined;
      },
      {
        what: `answers to b-1 from ${wantB.join()}`,
        timeoutMs: Math.max(1000, FOLLOW_BOUND_MS - (Date.now() - moved)),
      },
    );
    expect(Date.now() - moved).toBeLessThan(FOLLOW_BOUND_MS);
  }, 120_000);
});
