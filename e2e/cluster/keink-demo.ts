// `./scripts/demo --cluster [--once]`: what e2e/cluster/cloudcore-pods.e2e.test.ts
// checks, shown step by step. A real single-machine Kubernetes (etcd,
// kube-apiserver, kube-controller-manager, kube-scheduler, two kubelets on
// containerd with kube-proxy beside each), configs/crds + configs/k8s applied by `keadm init --apply`,
// cloudcore x2 and controllermanager as Pods, two edges joined with `keadm
// join` through the cloudcore Service's NodePorts, and a NodeUpgradeJob during which the cloudcore Pod holding a node
// mid-task is deleted. Prints the time from start to the completed job;
// `--once` then tears everything down and exits (0 when the job Completed),
// otherwise it keeps running until Ctrl-C.
import { randomInt } from 'node:crypto';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { keadm, LocalReleases } from '@kedge/localup';
import {
  repoRoot,
  requireKubeBinaries,
  startKubeApiServer,
  startKubeControlPlane,
  tempDir,
  waitFor,
  type TestKubeControlPlane,
} from '@kedge/testing';
import { PAUSE_IMAGE, saveClusterImages } from './cluster-images.ts';
import { joinEdge, type JoinedEdge } from './joined-edge.ts';
import { KUBERNETES_SERVICE_IP, nodeAddresses, startKubeNode, type KubeNode } from './kube-node.ts';

const { values } = parseArgs({ options: { cluster: { type: 'boolean' }, once: { type: 'boolean' } } });
const NODES = ['kn-1', 'kn-2'];
const EDGES = ['e-1', 'e-2'];
const started = Date.now();
const say = (text: string): void =>
  void process.stdout.write(`\n== [${((Date.now() - started) / 1000).toFixed(1)} s] ${text}\n`);

const block = randomInt(40, 240);
const dir = await tempDir('kedge-keink-demo-');
const nodes: KubeNode[] = [];
const edges: JoinedEdge[] = [];
let cp: TestKubeControlPlane | undefined;
let releases: LocalReleases | undefined;
say(
  'images: kedge/cloudcore, kedge/controllermanager (scripts/build-images when missing) and a sandbox image',
);
const tar = join(dir.path, 'images.tar');
await saveClusterImages(tar);
say('control plane: etcd, kube-apiserver, kube-controller-manager, kube-scheduler (v1.34.4)');
const hosts = NODES.map((_, i) => nodeAddresses(block, i + 1).host);
const kube = await startKubeApiServer({
  serviceAccountAdmission: true,
  serverIps: [KUBERNETES_SERVICE_IP, ...hosts],
  extraArgs: ['--bind-address=0.0.0.0', `--advertise-address=${hosts[0] ?? ''}`],
});
const kubectl = async (args: string[], input?: string): Promise<string> =>
  (await kube.kubectl(args, input === undefined ? {} : { input })).stdout;
const stopAll = async (): Promise<void> => {
  for (const e of edges.splice(0)) await e.stop().catch(() => undefined);
  await releases?.stop();
  for (const n of nodes.splice(0)) await n.stop();
  await cp?.stop();
  await kube.stop();
  await dir.cleanup();
};

async function run(): Promise<boolean> {
  cp = await startKubeControlPlane(kube);
  const apiPort = Number(new URL(kube.url).port);
  say(
    `two nodes: kubelet + containerd + kube-proxy each, in a network namespace (pods in 10.${block}.101-102.0/24)`,
  );
  for (const [i, name] of NODES.entries()) {
    const o = { kube, apiPort, name, block, index: i + 1, sandboxImage: PAUSE_IMAGE, imageTar: tar };
    nodes.push(await startKubeNode(o));
  }
  for (const name of NODES) {
    await waitFor(
      async () => (await kube.kubectl(['get', 'node', name], { allowFailure: true })).code === 0,
      {
        what: `node ${name} registered`,
        timeoutMs: 120_000,
      },
    );
  }
  await kubectl(['wait', '--for=condition=Ready', '--timeout=180s', ...NODES.map((n) => `node/${n}`)]);
  for (const node of nodes) {
    await waitFor(async () => (await fetch(node.kubeProxyHealthz).catch(() => undefined))?.ok, {
      what: `kube-proxy of ${node.name} synced`,
      timeoutMs: 120_000,
    });
  }
  say('keadm init --apply: configs/crds + configs/k8s as shipped');
  const nodeIps = nodes.map((n) => n.nodeIp);
  console.log(
    await keadm([
      'init',
      '--apply',
      ...['--kubeconfig', kube.kubeconfigPath, '--kubectl', requireKubeBinaries().kubectl],
      ...['--image-repo', 'kedge', '--version', 'v0.1.0', '--advertise-address', nodeIps.join(',')],
      ...['--manifests', join(repoRoot(), 'configs/k8s')],
    ]),
  );
  await kubectl([
    '-n',
    'kubeedge',
    'rollout',
    'status',
    'deploy/cloudcore',
    'deploy/controllermanager',
    '--timeout=300s',
  ]);
  console.log(await kubectl(['-n', 'kubeedge', 'get', 'pods', '-o', 'wide']));
  const replicas = NODES.map((n) =>
    kubectl([
      '-n',
      'kubeedge',
      'get',
      'pods',
      '-l',
      'app.kubernetes.io/name=cloudcore',
      '--field-selector',
      `spec.nodeName=${n}`,
      '-o',
      'jsonpath={.items[0].metadata.name}',
    ]),
  );
  const names = await Promise.all(replicas);
  const ports = (
    await kubectl(['-n', 'kubeedge', 'get', 'svc', 'cloudcore', '-o', 'jsonpath={.spec.ports[*].nodePort}'])
  ).split(' ');
  say(`two edges: keadm gettoken + keadm join, each listing both nodes' NodePort ${ports[0] ?? ''}`);
  releases = await LocalReleases.start(dir.path);
  const base = await releases.publish('v1.0.0');
  const next = await releases.publish('v1.1.0');
  const addresses = nodeIps.map((ip) => `${ip}:${ports[0] ?? ''}`);
  for (const [i, name] of EDGES.entries()) {
    const cloudcore = i === 0 ? addresses : [...addresses].reverse();
    edges.push(
      await joinEdge({
        name,
        root: join(dir.path, name),
        cloudcore,
        certPort: Number(ports[1]),
        kubeconfig: kube.kubeconfigPath,
        release: base.dir,
      }),
    );
  }
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
  console.log(
    await kubectl([
      'get',
      'nodes',
      '-o',
      'custom-columns=NAME:.metadata.name,READY:.status.conditions[?(@.type=="Ready")].status,CLOUDCORE:.metadata.annotations.cloudcore',
    ]),
  );
  say('NodeUpgradeJob v1.0.0 -> v1.1.0; the replica holding the upgrading node is deleted meanwhile');
  const job = {
    apiVersion: 'operations.kubeedge.io/v1alpha2',
    kind: 'NodeUpgradeJob',
    metadata: { name: 'demo-upgrade' },
  };
  const spec = {
    image: releases.image,
    imageDigestGatter: { amd64: next.digest },
    version: 'v1.1.0',
    nodeNames: EDGES,
    concurrency: 1,
  };
  await kubectl(['apply', '-f', '-'], JSON.stringify({ ...job, spec }));
  const status = async (): Promise<{
    phase?: string;
    nodeStatus?: { nodeName?: string; phase?: string; dispatchedBy?: string }[];
  }> =>
    (
      JSON.parse(await kubectl(['get', 'nodeupgradejob', 'demo-upgrade', '-o', 'json'])) as {
        status?: object;
      }
    ).status ?? {};
  const victim = await waitFor(
    async () => {
      const entries = (await status()).nodeStatus ?? [];
      const busy = entries.find((e) => e.phase === 'InProgress');
      return names.find((n) => n !== '' && busy?.dispatchedBy?.startsWith(n));
    },
    { what: 'a node mid-task', timeoutMs: 120_000, intervalMs: 100 },
  );
  console.log(await kubectl(['-n', 'kubeedge', 'delete', 'pod', victim, '--wait=false']));
  const done = await waitFor(
    async () => {
      const s = await status();
      return s.phase === 'Completed' || s.phase === 'Failure' ? s : undefined;
    },
    { what: 'the job finished', timeoutMs: 240_000, intervalMs: 500 },
  );
  say(`job ${done.phase ?? ''} ${((Date.now() - started) / 1000).toFixed(1)} s after the start`);
  console.log(JSON.stringify(done.nodeStatus?.map((e) => [e.nodeName, e.phase])));
  console.log(
    await kubectl([
      'get',
      'nodes',
      '-o',
      'custom-columns=NAME:.metadata.name,VERSION:.status.nodeInfo.kubeletVersion,CLOUDCORE:.metadata.annotations.cloudcore',
    ]),
  );
  return done.phase === 'Completed';
}

let ok = false;
try {
  ok = await run();
} catch (err) {
  console.error(err);
}
if (!values.once) {
  say('running; Ctrl-C stops and removes everything');
  await new Promise((resolve) => process.once('SIGINT', resolve));
}
await stopAll();
process.exit(ok ? 0 : 1);
