// The embedded demo (README's main command): an embedded cloud (cloudcore +
// controllermanager on one SQLite file), a local registry holding two edgecore
// releases built from this workspace, three edge nodes installed from the
// older one and run under kedge's supervisor, and a NodeUpgradeJob that moves
// them to the newer one; then (where containerd and network namespaces are
// available) three pod nodes and a 3-replica Deployment, shown under `== pods`
// with `kedgectl get pods -o wide`; then two node groups and an
// EdgeApplication over them (demo-node-groups.ts). `--once` prints the final job and exits 0 only when
// it is Completed; otherwise the demo keeps running until Ctrl-C.
import { execSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { KedgeError, errorMessage, isJobFinished, nodeReadyCondition } from '@kedge/api';
import { startDashboard, type Dashboard } from '@kedge/dashboard';
import { createLogger, systemClock } from '@kedge/runtime';
import { mutate } from '@kedge/store';
import { ensureContainerdInstalled, startContainerd, type TestContainerd } from '@kedge/testing';
import { pushBusyboxImage } from '../images/busybox-image.ts';
import { LocalCloud } from '../local-cloud.ts';
import { LocalEdge } from '../local-edge.ts';
import { LocalReleases } from '../release/local-releases.ts';
import { DEMO_APP, DEMO_GROUPS, runNodeGroups } from './demo-node-groups.ts';
import { runTrafficLoop } from './demo-traffic.ts';
import { DemoPods } from './demo-pods.ts';

/** Printed as kubectl prints YAML: times and the like quoted, so YAML 1.1 readers keep them strings. */
const KUBECTL_YAML = { lineWidth: 0, version: '1.1' } as const;

const { values } = parseArgs({
  options: { once: { type: 'boolean' }, dir: { type: 'string' }, nodes: { type: 'string' } },
});
const dir = values.dir ?? join(process.cwd(), '.kedge-run', 'demo');
const nodeCount = Number(values.nodes ?? 3);
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });

const say = (text: string): void => void process.stdout.write(`\n== ${text}\n`);
// The demo's time: every wait and deadline below goes through it.
const clock = systemClock;
const sleep = (ms: number): Promise<void> => clock.sleep(ms);
const kedgectl = `node packages/keadm/src/bin/kedgectl.ts --store ${join(dir, 'kedge.db')}`;

const cloud = new LocalCloud({ dir, keepaliveTimeout: 10 });
const edges: LocalEdge[] = [];
let releases: LocalReleases | undefined;
let containerd: TestContainerd | undefined;
let dashboard: Dashboard | undefined;
let pods: DemoPods | undefined;
/** The web image the pod nodes run, once they started. */
let webImage: string | undefined;
const stopAll = async (): Promise<void> => {
  await dashboard?.stop();
  await pods?.stop();
  await Promise.all(edges.map((e) => e.stop()));
  await cloud.close();
  await releases?.stop();
  await containerd?.stop();
};

/** One containerd for the demo's nodes (they share this machine), or why there is none. */
async function startRuntime(registry: string): Promise<string | undefined> {
  try {
    ensureContainerdInstalled();
    containerd = await startContainerd({ plainHttpRegistries: [registry] });
    console.log(`containerd (CRI) at ${containerd.endpoint}`);
    return undefined;
  } catch (err) {
    return errorMessage(err);
  }
}

async function main(): Promise<boolean> {
  say('starting the embedded cloud (cloudcore + controllermanager, store ' + cloud.storePath + ')');
  const cloudcore = await cloud.addCloudCore();
  await cloud.startControllerManager();
  console.log(`cloudcore listening on ${cloudcore.address}`);
  dashboard = await startDashboard({
    store: cloud.store,
    host: '127.0.0.1',
    port: 0,
    log: createLogger({ name: 'kedge-dashboard', level: 'warn' }),
  });
  console.log(`dashboard: ${dashboard.url}`);

  say('starting a registry and publishing two edgecore releases built from this workspace');
  releases = await LocalReleases.start(dir);
  const current = await releases.publish('v0.1.0');
  const next = await releases.publish('v0.2.0');
  console.log(`${current.ref}  ${current.digest}\n${next.ref}  ${next.digest}`);
  const noRuntime = await startRuntime(releases.registry.url);

  say(
    `installing ${nodeCount} edge nodes from ${current.version} (keadm edge install) and starting them under the supervisor`,
  );
  for (let i = 1; i <= nodeCount; i++) {
    const name = `edge-${i}`;
    const edge = await LocalEdge.create(dir, {
      name,
      server: cloudcore.address,
      token: cloud.token(name),
      taskManager: true,
      release: current.dir,
      heartbeat: 2,
      ...(containerd ? { containerRuntimeEndpoint: containerd.endpoint } : {}),
    });
    await edge.start();
    edges.push(edge);
  }
  await waitForReady();
  // Selection labels are the admin's (`kubectl label node`): a node may not choose its own (docs/security.md).
  say('labelling the nodes demo=true, as an admin does');
  for (const edge of edges)
    await mutate(cloud.store, 'Node', edge.name, (n) => ({
      ...n,
      metadata: { ...n.metadata, labels: { ...n.metadata.labels, demo: 'true' } },
    }));
  printNodes();

  say(`applying a NodeUpgradeJob to ${next.version}`);
  const jobFile = join(dir, 'upgrade-job.yaml');
  writeFileSync(
    jobFile,
    stringify({
      apiVersion: 'operations.kubeedge.io/v1alpha2',
      kind: 'NodeUpgradeJob',
      metadata: { name: 'upgrade-demo' },
      spec: {
        version: next.version,
        image: releases.image,
        labelSelector: { matchLabels: { demo: 'true' } },
        concurrency: 2,
        checkItems: ['disk'],
      },
    }),
  );
  console.log(`$ kedgectl apply -f ${jobFile}`);
  process.stdout.write(execSync(`${kedgectl} apply -f ${jobFile}`, { encoding: 'utf8' }));

  say('job status as it changes');
  const phase = await followJob('NodeUpgradeJob', 'upgrade-demo', 180_000);

  say('nodes after the job');
  printNodes();
  say('final job object');
  const job = await cloud.store.get('NodeUpgradeJob', 'upgrade-demo');
  process.stdout.write(stringify(job, KUBECTL_YAML));
  const prePulled = await prePull(noRuntime);
  const configured = await configUpdate();
  const running = await runPods(noRuntime, cloudcore.address);
  const podNodes = pods?.edges.map((e) => e.name) ?? [];
  const grouped = await runNodeGroups({
    dir,
    cloud,
    kedgectl,
    nodes: podNodes.length >= 2 ? podNodes : edges.map((e) => e.name),
    ...(pods && webImage && podNodes.length >= 2 ? { template: pods.deployment(webImage) } : {}),
  });
  const looped =
    pods && grouped && podNodes.length >= 2
      ? await runTrafficLoop({ cloud, edges: pods.edges, groups: DEMO_GROUPS, app: DEMO_APP })
      : true;
  return phase === 'Completed' && prePulled && configured && running && grouped && looped;

  function printNodes(): void {
    process.stdout.write(execSync(`${kedgectl} get nodes`, { encoding: 'utf8' }));
  }
}

/** An ImagePrePullJob of a small image built here, when containerd is there; says why not otherwise. */
async function prePull(noRuntime: string | undefined): Promise<boolean> {
  if (!containerd || !releases) {
    say(`skipping the ImagePrePullJob: no container runtime here (${noRuntime ?? 'unknown'})`);
    return true;
  }
  say('pushing a small busybox image and applying an ImagePrePullJob');
  const image = await pushBusyboxImage(`${releases.registry.url}/demo/busybox:v1`, {
    dataLayers: [64 * 1024],
  });
  console.log(`${image.ref}  ${image.digest} (${image.layers} layers)`);
  await cloud.store.create('ImagePrePullJob', {
    apiVersion: 'operations.kubeedge.io/v1alpha2',
    kind: 'ImagePrePullJob',
    metadata: { name: 'prepull-demo' },
    spec: {
      imagePrePullTemplate: {
        images: [image.ref],
        labelSelector: { matchLabels: { demo: 'true' } },
        concurrency: 3,
        retryTimes: 1,
      },
    },
  });
  say('pre-pull job status as it changes');
  const phase = await followJob('ImagePrePullJob', 'prepull-demo', 120_000);
  say(`images in containerd (ctr -n k8s.io images ls -q)`);
  console.log((await containerd.imageNames()).join('\n'));
  return phase === 'Completed';
}

/** A 3-replica Deployment on three pod nodes (containerd each, in their own namespaces), when they can run here. */
async function runPods(noRuntime: string | undefined, server: string): Promise<boolean> {
  const why = containerd && releases ? DemoPods.unavailable() : (noRuntime ?? 'unknown');
  if (why !== undefined || !releases) {
    say(`skipping the Deployment: pods cannot run here (${why ?? 'no registry'})`);
    return true;
  }
  say(`starting ${nodeCount} edge nodes that run pods (containerd + CNI in a network namespace each)`);
  pods = new DemoPods({ dir, cloud, server, registry: releases.registry.url, nodes: nodeCount });
  const image = await pods.startNodes();
  webImage = image;
  const file = join(dir, 'web-deployment.yaml');
  writeFileSync(file, stringify(pods.deployment(image)));
  say(`applying a ${nodeCount}-replica Deployment of an HTTP server (${image})`);
  console.log(`$ kedgectl apply -f ${file}`);
  process.stdout.write(execSync(`${kedgectl} apply -f ${file}`, { encoding: 'utf8' }));
  const running = await pods.waitForPods(120_000);
  say('pods');
  process.stdout.write(execSync(`${kedgectl} get pods -o wide`, { encoding: 'utf8' }));
  if (!running) console.log('not every pod was Running and Ready within 120 s');
  return running;
}

/** A ConfigUpdateJob that turns on a harmless field (the seed's example), applied and reported after a restart. */
async function configUpdate(): Promise<boolean> {
  say(
    'applying a ConfigUpdateJob: modules.edgeStream.enable = "true" (edgecore restarts with the new config)',
  );
  await cloud.store.create('ConfigUpdateJob', {
    apiVersion: 'operations.kubeedge.io/v1alpha2',
    kind: 'ConfigUpdateJob',
    metadata: { name: 'config-demo' },
    spec: {
      updateFields: { 'modules.edgeStream.enable': 'true' },
      labelSelector: { matchLabels: { demo: 'true' } },
      concurrency: 1,
      failureTolerate: '0.3',
      timeoutSeconds: 180,
    },
  });
  say('config update job status as it changes');
  const phase = await followJob('ConfigUpdateJob', 'config-demo', 180_000);
  const edge = edges[0];
  if (edge) {
    const line = readFileSync(edge.configFile, 'utf8')
      .split('\n')
      .findIndex((l) => l.trim() === 'edgeStream:');
    say(`${edge.name}'s edgecore.yaml now has edgeStream: ${line >= 0 ? 'see below' : 'not found'}`);
    if (line >= 0)
      console.log(
        readFileSync(edge.configFile, 'utf8')
          .split('\n')
          .slice(line, line + 3)
          .join('\n'),
      );
  }
  return phase === 'Completed';
}

async function waitForReady(): Promise<void> {
  const deadline = clock.now() + 60_000;
  for (;;) {
    const nodes = (await cloud.store.list('Node')).items;
    const ready = nodes.filter((n) => nodeReadyCondition(n)?.status === 'True').length;
    if (ready >= edges.length) return;
    if (clock.now() > deadline) {
      throw new KedgeError(
        'KEDGE_HUB_CONNECT_FAILED',
        `only ${ready} of ${edges.length} demo nodes became Ready within 60 s: see the edgecore logs above`,
      );
    }
    await sleep(200);
  }
}

async function followJob(
  kind: 'NodeUpgradeJob' | 'ImagePrePullJob' | 'ConfigUpdateJob',
  name: string,
  timeoutMs: number,
): Promise<string | undefined> {
  const deadline = clock.now() + timeoutMs;
  let last = '';
  for (;;) {
    const job = await cloud.store.get(kind, name);
    const shown = stringify({ status: job?.status ?? {} }, KUBECTL_YAML);
    if (shown !== last) {
      console.log(`--- ${new Date().toISOString()}`);
      process.stdout.write(shown);
      last = shown;
    }
    const phase = job?.status?.phase;
    if (isJobFinished(phase)) return phase;
    if (clock.now() > deadline) {
      console.log(`job still ${phase ?? 'without status'} after ${timeoutMs / 1000}s`);
      return phase;
    }
    await sleep(250);
  }
}

let ok = false;
let waiting = false;
let stopping: Promise<void> | undefined;
const stopOnce = (): Promise<void> => (stopping ??= stopAll());
// Ctrl-C before the demo is up still stops every process and removes the namespaces it made.
const interrupted = (): void => {
  if (waiting) return;
  void stopOnce().finally(() => process.exit(130));
};
process.on('SIGINT', interrupted);
process.on('SIGTERM', interrupted);
try {
  ok = await main();
  if (dashboard) say(`dashboard: ${dashboard.url}`);
  if (!values.once) {
    say(
      `demo running (store ${cloud.storePath}); try: ${kedgectl} get nodeupgradejobs -o yaml  — Ctrl-C to stop`,
    );
    waiting = true;
    await new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    });
  }
} catch (err) {
  console.error(`demo failed: ${err instanceof Error ? err.message : String(err)}`);
}
await stopOnce();
process.exitCode = ok ? 0 : 1;
