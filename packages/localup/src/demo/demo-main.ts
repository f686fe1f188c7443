// The embedded demo (README's main command): an embedded cloud (cloudcore +
// controllermanager on one SQLite file), a local registry holding two edgecore
// releases built from this workspace, three edge nodes installed from the
// older one and run under kedge's supervisor, and a NodeUpgradeJob that moves
// them to the newer one. `--once` prints the final job and exits 0 only when
// it is Completed; otherwise the demo keeps running until Ctrl-C.
import { execSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { nodeReadyCondition } from '@kedge/api';
import { LocalCloud } from '../local-cloud.ts';
import { LocalEdge } from '../local-edge.ts';
import { LocalReleases } from '../release/local-releases.ts';

const { values } = parseArgs({
  options: { once: { type: 'boolean' }, dir: { type: 'string' }, nodes: { type: 'string' } },
});
const dir = values.dir ?? join(process.cwd(), '.kedge-run', 'demo');
const nodeCount = Number(values.nodes ?? 3);
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });

const say = (text: string): void => void process.stdout.write(`\n== ${text}\n`);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const kedgectl = `node packages/keadm/src/bin/kedgectl.ts --store ${join(dir, 'kedge.db')}`;

const cloud = new LocalCloud({ dir, keepaliveTimeout: 10 });
const edges: LocalEdge[] = [];
let releases: LocalReleases | undefined;
const stopAll = async (): Promise<void> => {
  await Promise.all(edges.map((e) => e.stop()));
  await cloud.close();
  await releases?.stop();
};

async function main(): Promise<boolean> {
  say('starting the embedded cloud (cloudcore + controllermanager, store ' + cloud.storePath + ')');
  const cloudcore = await cloud.addCloudCore();
  await cloud.startControllerManager();
  console.log(`cloudcore listening on ${cloudcore.address}`);

  say('starting a registry and publishing two edgecore releases built from this workspace');
  releases = await LocalReleases.start(dir);
  const current = await releases.publish('v0.1.0');
  const next = await releases.publish('v0.2.0');
  console.log(`${current.ref}  ${current.digest}\n${next.ref}  ${next.digest}`);

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
      labels: { demo: 'true' },
    });
    await edge.start();
    edges.push(edge);
  }
  await waitForReady();
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
  const phase = await followJob('upgrade-demo', 180_000);

  say('nodes after the job');
  printNodes();
  say('final job object');
  const job = await cloud.store.get('NodeUpgradeJob', 'upgrade-demo');
  process.stdout.write(stringify(job));
  return phase === 'Completed';

  function printNodes(): void {
    process.stdout.write(execSync(`${kedgectl} get nodes`, { encoding: 'utf8' }));
  }
}

async function waitForReady(): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const nodes = (await cloud.store.list('Node')).items;
    const ready = nodes.filter((n) => nodeReadyCondition(n)?.status === 'True').length;
    if (ready >= edges.length) return;
    if (Date.now() > deadline) throw new Error(`only ${ready} of ${edges.length} nodes became Ready`);
    await sleep(200);
  }
}

async function followJob(name: string, timeoutMs: number): Promise<string | undefined> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    const job = await cloud.store.get('NodeUpgradeJob', name);
    const shown = stringify({ status: job?.status ?? {} });
    if (shown !== last) {
      console.log(`--- ${new Date().toISOString()}`);
      process.stdout.write(shown);
      last = shown;
    }
    const phase = job?.status?.phase;
    if (phase === 'Completed' || phase === 'Failure') return phase;
    if (Date.now() > deadline) {
      console.log(`job still ${phase ?? 'without status'} after ${timeoutMs / 1000}s`);
      return phase;
    }
    await sleep(250);
  }
}

let ok = false;
try {
  ok = await main();
  if (!values.once) {
    say(
      `demo running (store ${cloud.storePath}); try: ${kedgectl} get nodeupgradejobs -o yaml  — Ctrl-C to stop`,
    );
    await new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    });
  }
} catch (err) {
  console.error(`demo failed: ${err instanceof Error ? err.message : String(err)}`);
}
await stopAll();
process.exitCode = ok ? 0 : 1;
