// cloudcore in a real cluster (kedge's keink): etcd, kube-apiserver,
// kube-controller-manager and kube-scheduler of the pinned release, and two
// nodes that are real kubelets on real containerd (kube-node.ts: each in a
// network namespace with a CNI bridge, kube-proxy in iptables mode beside
// the kubelet). `keadm init --apply` applies
// configs/crds and configs/k8s unchanged, with the images built by
// scripts/build-images imported into each node's containerd
// (imagePullPolicy IfNotPresent as shipped finds them there). cloudcore (two
// replicas, required anti-affinity: one per node) and controllermanager run
// as Pods of their Deployments and reach the API server through in-cluster
// config with their ServiceAccount's token. Two edge nodes join with `keadm
// join` (joined-edge.ts) through the cloudcore Service: the edges run on the
// host, outside the nodes' namespaces where kube-proxy's rules are, so they
// dial the Service's NodePorts (type LoadBalancer as shipped; no load
// balancer here) on both nodes' addresses, one node first for each. A
// NodeUpgradeJob runs, the Pod of the replica holding a node in the middle of
// its task is deleted, that node reconnects through the Service to a live
// replica and the job completes.
import { randomInt } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  repoRoot,
  requireKubeBinaries,
  startKubeApiServer,
  startKubeControlPlane,
  tempDir,
  type TempDir,
  type TestKubeApiServer,
  type TestKubeControlPlane,
  waitFor,
} from '@kedge/testing';
import { keadm, LocalReleases, type PublishedRelease } from '@kedge/localup';
import type { ResourceOf } from '@kedge/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PAUSE_IMAGE, saveClusterImages } from './cluster-images.ts';
import { joinEdge, type JoinedEdge } from './joined-edge.ts';
import { KUBERNETES_SERVICE_IP, nodeAddresses, startKubeNode, type KubeNode } from './kube-node.ts';

const NODES = ['kn-1', 'kn-2'];
const EDGES = ['e-1', 'e-2'];
const started = Date.now();
const NS = 'kubeedge';

type UpgradeJob = ResourceOf<'NodeUpgradeJob'>;

interface ServiceView {
  spec: { ports: { name: string; nodePort?: number }[] };
}

interface PodView {
  metadata: { name: string; labels?: Record<string, string> };
  spec: { nodeName?: string; serviceAccountName?: string };
  status: { phase?: string; podIP?: string; conditions?: { type: string; status: string }[] };
}

describe('cloudcore as Pods of a real cluster', () => {
  const block = randomInt(40, 240);
  let dir: TempDir;
  let kube: TestKubeApiServer;
  let cp: TestKubeControlPlane | undefined;
  const nodes: KubeNode[] = [];
  const edges: JoinedEdge[] = [];
  let releases: LocalReleases | undefined;
  let base: PublishedRelease;
  /** The cloudcore pods, in NODES order (one per node). */
  let replicas: PodView[] = [];
  /** The cloudcore Service's NodePorts by port name (cloudhub, certs). */
  let nodePorts: Record<string, number> = {};

  const kubectl = async (args: string[]): Promise<string> => (await kube.kubectl(args)).stdout;
  const pods = async (): Promise<PodView[]> =>
    (JSON.parse(await kubectl(['-n', NS, 'get', 'pods', '-o', 'json'])) as { items: PodView[] }).items;
  const holder = async (node: string): Promise<string> =>
    (await kube.kubectl(['get', 'node', node, '-o', 'jsonpath={.metadata.annotations.cloudcore}'])).stdout;
  const job = async (): Promise<UpgradeJob> =>
    JSON.parse(await kubectl(['get', 'nodeupgradejob', 'keink-upgrade', '-o', 'json'])) as UpgradeJob;
  const diagnostics = async (): Promise<string> =>
    [
      await kube
        .kubectl(['get', 'nodes,pods', '-A', '-o', 'wide'], { allowFailure: true })
        .then((r) => r.stdout),
      await kube.kubectl(['-n', NS, 'get', 'events'], { allowFailure: true }).then((r) => r.stdout),
      ...nodes.map((n) => `--- kubelet ${n.name}\n${n.kubeletOutput().slice(-3000)}`),
      ...nodes.map((n) => `--- kube-proxy ${n.name}\n${n.kubeProxyOutput().slice(-3000)}`),
      ...(await cloudLogs()),
      ...edges.map(
        (e) => `--- ${e.name}\n${e.launcher.stdout().slice(-3000)}${e.launcher.stderr().slice(-2000)}`,
      ),
      await kube
        .kubectl(['get', 'nodeupgradejobs', '-o', 'yaml'], { allowFailure: true })
        .then((r) => r.stdout),
    ].join('\n');
  /** The last lines each kedge container wrote, from the nodes' pod log directories. */
  const cloudLogs = async (): Promise<string[]> => {
    const out: string[] = [];
    for (const node of nodes) {
      const files = await readdir(node.podLogsDir, { recursive: true }).catch(() => []);
      for (const f of files.filter((f) => f.endsWith('.log') && f.startsWith(`${NS}_`))) {
        const text = await readFile(join(node.podLogsDir, f), 'utf8').catch(() => '');
        out.push(`--- ${node.name}: ${f}\n${text.slice(-3000)}`);
      }
    }
    return out;
  };

  beforeAll(async () => {
    dir = await tempDir('kedge-keink-');
    const tar = join(dir.path, 'images.tar');
    await saveClusterImages(tar);
    const hosts = NODES.map((_, i) => nodeAddresses(block, i + 1).host);
    kube = await startKubeApiServer({
      serviceAccountAdmission: true,
      serverIps: [KUBERNETES_SERVICE_IP, ...hosts],
      // pods reach it on the host side of their node's veth pair
      extraArgs: ['--bind-address=0.0.0.0', `--advertise-address=${hosts[0]}`],
    });
    cp = await startKubeControlPlane(kube);
    const apiPort = Number(new URL(kube.url).port);
    for (const [i, name] of NODES.entries()) {
      nodes.push(
        await startKubeNode({
          kube,
          apiPort,
          name,
          block,
          index: i + 1,
          sandboxImage: PAUSE_IMAGE,
          imageTar: tar,
        }),
      );
    }
    try {
      for (const name of NODES) {
        await waitFor(
          async () => (await kube.kubectl(['get', 'node', name], { allowFailure: true })).code === 0,
          {
            what: `kubelet registered node ${name}`,
            timeoutMs: 120_000,
          },
        );
      }
      await kubectl(['wait', '--for=condition=Ready', '--timeout=180s', ...NODES.map((n) => `node/${n}`)]);
      // the pods reach the API server through the `kubernetes` Service once kube-proxy synced
      for (const node of nodes) {
        await waitFor(async () => (await fetch(node.kubeProxyHealthz).catch(() => undefined))?.ok, {
          what: `kube-proxy of ${node.name} synced`,
          timeoutMs: 120_000,
        });
      }
      // the edges dial the nodes' addresses (the NodePorts): cloudcore's certificate names them
      const nodeIps = nodes.map((n) => n.nodeIp);
      await keadm([
        'init',
        '--apply',
        ...['--kubeconfig', kube.kubeconfigPath, '--kubectl', requireKubeBinaries().kubectl],
        ...['--image-repo', 'kedge', '--version', 'v0.1.0', '--advertise-address', nodeIps.join(',')],
        ...['--manifests', join(repoRoot(), 'configs/k8s')],
      ]);
      await kubectl([
        '-n',
        NS,
        'rollout',
        'status',
        'deploy/cloudcore',
        'deploy/controllermanager',
        '--timeout=300s',
      ]);
      const svc = JSON.parse(
        await kubectl(['-n', NS, 'get', 'svc', 'cloudcore', '-o', 'json']),
      ) as ServiceView;
      nodePorts = Object.fromEntries(svc.spec.ports.map((p) => [p.name, p.nodePort ?? 0]));
    } catch (err) {
      console.error(await diagnostics());
      throw err;
    }
    console.log(`cluster with cloudcore pods up in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    releases = await LocalReleases.start(dir.path);
    base = await releases.publish('v1.0.0');
  }, 900_000);

  afterAll(async () => {
    for (const edge of edges.splice(0)) await edge.stop().catch(() => undefined);
    await releases?.stop();
    for (const node of nodes.splice(0)) await node.stop();
    await cp?.stop();
    await kube?.stop();
    await dir?.cleanup();
  }, 180_000);

  it('two cloudcore replicas (one per node) and controllermanager run Ready as Pods with their ServiceAccounts', async () => {
    const all = await pods();
    const ready = (p: PodView): boolean =>
      p.status.phase === 'Running' &&
      (p.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
    const cloudcore = all.filter((p) => p.metadata.labels?.['app.kubernetes.io/name'] === 'cloudcore');
    expect(cloudcore.map(ready)).toEqual([true, true]);
    expect(new Set(cloudcore.map((p) => p.spec.nodeName))).toEqual(new Set(NODES));
    expect(cloudcore.map((p) => p.spec.serviceAccountName)).toEqual(['cloudcore', 'cloudcore']);
    const cm = all.filter((p) => p.metadata.labels?.['app.kubernetes.io/name'] === 'controllermanager');
    expect(cm.map(ready)).toEqual([true]);
    replicas = NODES.map((n) => cloudcore.find((p) => p.spec.nodeName === n) as PodView);
  });

  it('edge nodes joined with keadm join through the cloudcore Service go Ready, held by a replica', async () => {
    expect(nodePorts.cloudhub).toBeGreaterThan(0);
    expect(nodePorts.certs).toBeGreaterThan(0);
    const addresses = nodes.map((n) => `${n.nodeIp}:${nodePorts.cloudhub ?? 0}`);
    for (const [i, name] of EDGES.entries()) {
      edges.push(
        await joinEdge({
          name,
          root: join(dir.path, name),
          cloudcore: i === 0 ? addresses : [...addresses].reverse(),
          certPort: nodePorts.certs ?? 0,
          kubeconfig: kube.kubeconfigPath,
          release: base.dir,
        }),
      );
    }
    try {
      for (const name of EDGES) {
        await waitFor(
          async () => (await kube.kubectl(['get', 'node', name], { allowFailure: true })).code === 0,
          {
            what: `node ${name} registered`,
            timeoutMs: 120_000,
          },
        );
      }
      await kubectl(['wait', '--for=condition=Ready', '--timeout=120s', ...EDGES.map((n) => `node/${n}`)]);
    } catch (err) {
      console.error(await diagnostics());
      throw err;
    }
    // the Service picked the replica: each edge is held by one of the two
    const holders = await Promise.all(EDGES.map(holder));
    const names = replicas.map((p) => p.metadata.name);
    expect(holders.map((h) => names.some((n) => h.startsWith(n)))).toEqual([true, true]);
  });

  it('a NodeUpgradeJob completes although the Pod of the replica holding a node mid-task is deleted', async () => {
    const next = await releases?.publish('v1.1.0');
    // controllermanager runs in a pod, which cannot reach the release registry on the host's
    // loopback to pin the digest itself: the job carries it (spec.imageDigestGatter)
    await kube.kubectl(['apply', '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'operations.kubeedge.io/v1alpha2',
        kind: 'NodeUpgradeJob',
        metadata: { name: 'keink-upgrade' },
        spec: {
          image: releases?.image,
          imageDigestGatter: { amd64: next?.digest },
          version: 'v1.1.0',
          nodeNames: EDGES,
          concurrency: 1,
        },
      }),
    });
    try {
      await upgradeThroughDeletion();
    } catch (err) {
      console.error(await diagnostics());
      throw err;
    }
  });

  async function upgradeThroughDeletion(): Promise<void> {
    const names = replicas.map((p) => p.metadata.name);
    const entry = await waitFor(
      async () =>
        (await job()).status?.nodeStatus?.find(
          (e) => e.phase === 'InProgress' && names.some((n) => (e.dispatchedBy ?? '').startsWith(n)),
        ),
      { what: 'a node in the middle of its task', timeoutMs: 120_000, intervalMs: 100 },
    );
    const victim = names.find((n) => (entry.dispatchedBy ?? '').startsWith(n)) ?? '-';
    await kubectl(['-n', NS, 'delete', 'pod', victim, '--wait=false']);
    // the node redials the Service, whose endpoints no longer hold the deleted Pod: it lands on the
    // other replica (or on the Deployment's replacement, if that is Ready first)
    const newHolder = await waitFor(
      async () => {
        const h = await holder(entry.nodeName ?? '');
        const live = (await pods()).map((p) => p.metadata.name).filter((n) => n !== victim);
        return live.find((n) => h.startsWith(n));
      },
      { what: `${entry.nodeName} held by a replica other than ${victim}`, timeoutMs: 90_000 },
    );
    console.log(`keink: ${entry.nodeName} moved from ${victim} to ${newHolder} through the Service`);
    const done = await waitFor(
      async () => {
        const j = await job();
        return j.status?.phase === 'Completed' || j.status?.phase === 'Failure' ? j : undefined;
      },
      { what: 'job keink-upgrade finished', timeoutMs: 240_000, intervalMs: 500 },
    );
    console.log(`keink: from start to a completed job in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    expect(done.status?.phase).toBe('Completed');
    expect(done.status?.nodeStatus?.map((e) => [e.nodeName, e.phase]).sort()).toEqual([
      ['e-1', 'Successful'],
      ['e-2', 'Successful'],
    ]);
    for (const edge of edges) {
      const res = await fetch(`${edge.metaServerUrl}/healthz`);
      expect(((await res.json()) as { version: string }).version).toBe('v1.1.0');
    }
    // the Deployment's replacement pod goes to the freed control-plane node, never to an edge
    await kubectl(['-n', NS, 'rollout', 'status', 'deploy/cloudcore', '--timeout=120s']);
    const now = (await pods()).filter((p) => p.metadata.labels?.['app.kubernetes.io/name'] === 'cloudcore');
    expect(now.map((p) => p.spec.nodeName).sort()).toEqual(NODES);
  }
});
