// cloudcore in a real cluster (kedge's keink): etcd, kube-apiserver,
// kube-controller-manager and kube-scheduler of the pinned release, and two
// nodes that are real kubelets on real containerd (kube-node.ts: each in a
// network namespace with a CNI bridge). `keadm init --apply` applies
// configs/crds and configs/k8s unchanged, with the images built by
// scripts/build-images imported into each node's containerd
// (imagePullPolicy IfNotPresent as shipped finds them there). cloudcore (two
// replicas, required anti-affinity: one per node) and controllermanager run
// as Pods of their Deployments and reach the API server through in-cluster
// config with their ServiceAccount's token.
import { randomInt } from 'node:crypto';
import { join } from 'node:path';
import {
  kubeSkipReason,
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
import { keadm } from '@kedge/localup';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PAUSE_IMAGE, saveClusterImages } from './cluster-images.ts';
import { KUBERNETES_SERVICE_IP, nodeAddresses, startKubeNode, type KubeNode } from './kube-node.ts';

const skip = kubeSkipReason();
if (skip) console.warn(skip);

const NODES = ['kn-1', 'kn-2'];
const NS = 'kubeedge';

interface PodView {
  metadata: { name: string; labels?: Record<string, string> };
  spec: { nodeName?: string; serviceAccountName?: string };
  status: { phase?: string; podIP?: string; conditions?: { type: string; status: string }[] };
}

describe.skipIf(skip !== undefined)('cloudcore as Pods of a real cluster', () => {
  const block = randomInt(40, 240);
  let dir: TempDir;
  let kube: TestKubeApiServer;
  let cp: TestKubeControlPlane | undefined;
  const nodes: KubeNode[] = [];

  const kubectl = async (args: string[]): Promise<string> => (await kube.kubectl(args)).stdout;
  const pods = async (): Promise<PodView[]> =>
    (JSON.parse(await kubectl(['-n', NS, 'get', 'pods', '-o', 'json'])) as { items: PodView[] }).items;
  const diagnostics = async (): Promise<string> =>
    [
      await kube
        .kubectl(['get', 'nodes,pods', '-A', '-o', 'wide'], { allowFailure: true })
        .then((r) => r.stdout),
      await kube.kubectl(['-n', NS, 'get', 'events'], { allowFailure: true }).then((r) => r.stdout),
      ...nodes.map((n) => `--- kubelet ${n.name}\n${n.kubeletOutput().slice(-4000)}`),
    ].join('\n');

  beforeAll(async () => {
    const started = Date.now();
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
      // the edges dial the replicas' pod IPs: the first addresses of each node's pod range
      const podIps = NODES.flatMap((_, i) =>
        [2, 3].map((h) => nodeAddresses(block, i + 1).podCidr.replace(/0\/24$/, `${h}`)),
      );
      await keadm([
        'init',
        '--apply',
        ...['--kubeconfig', kube.kubeconfigPath, '--kubectl', requireKubeBinaries().kubectl],
        ...['--image-repo', 'kedge', '--version', 'v0.1.0', '--advertise-address', podIps.join(',')],
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
    } catch (err) {
      console.error(await diagnostics());
      throw err;
    }
    console.log(`cluster with cloudcore pods up in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }, 900_000);

  afterAll(async () => {
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
  });
});
