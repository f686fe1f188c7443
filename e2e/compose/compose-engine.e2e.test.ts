// configs/compose/docker-compose.yml on a real Docker engine (Debian's
// dockerd, started by scripts/lib.sh ensure_docker_engine if none answers):
// the images scripts/build-images makes, `docker-compose up`, an embedded
// cloud, the registry and three edge nodes on the project's own network.
// Every node goes Ready; an ImagePrePullJob (containerd inside the edges),
// a ConfigUpdateJob and a NodeUpgradeJob complete, the upgrade across a
// `docker-compose restart cloudcore`; `down -v` leaves nothing behind.
// The test reads and writes the cloud's store through the cloud-data
// volume's SQLite file, as a second process beside cloudcore.
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chownSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nodeReadyCondition, type ResourceOf } from '@kedge/api';
import { buildRelease, pushBusyboxImage } from '@kedge/localup';
import { pushRelease } from '@kedge/oci';
import { openSqliteStore, type ResourceStore } from '@kedge/store';
import { freePort, repoRoot, tempDir, waitFor, type TempDir } from '@kedge/testing';
import { nodeToken } from '@kedge/tokens';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ComposeProject, buildImages, ensureDockerEngine } from './compose-engine.ts';

const COMPOSE = join(repoRoot(), 'configs', 'compose', 'docker-compose.yml');
const EDGES = ['edge-1', 'edge-2', 'edge-3'];
const BASE = 'v1.0.0';
const TARGET = 'v1.1.0';
/** The user the images run as (Dockerfile USER). */
const IMAGE_UID = 1000;

/** Whether `revision` (a label: short commit, `-dirty` for a changed tree) is this checkout's HEAD or before it. */
function isCheckoutRevision(revision: string): boolean {
  const commit = revision.replace(/-dirty$/, '');
  if (!/^[0-9a-f]{12}$/.test(commit)) return false;
  try {
    execFileSync('git', ['-C', repoRoot(), 'merge-base', '--is-ancestor', commit, 'HEAD']);
    return true;
  } catch {
    return false;
  }
}

type JobKind = 'NodeUpgradeJob' | 'ImagePrePullJob' | 'ConfigUpdateJob';

describe('docker-compose.yml on the Docker engine', () => {
  let dir: TempDir;
  let project: ComposeProject;
  let store: ResourceStore;
  let registryPort: number;
  let cloudhubPort: number;
  const timings: Record<string, number> = {};

  beforeAll(async () => {
    dir = await tempDir('kedge-compose-');
    const engine = await ensureDockerEngine();
    let t = Date.now();
    await buildImages(join(dir.path, 'release'));
    timings.buildImagesMs = Date.now() - t;
    // docs/deploy.md's steps: a token secret readable by the images' user, each edge's token in the environment
    const secret = randomBytes(32).toString('hex');
    const secretFile = join(dir.path, 'token-secret');
    writeFileSync(secretFile, `${secret}\n`, { mode: 0o400 });
    chownSync(secretFile, IMAGE_UID, IMAGE_UID);
    [cloudhubPort, registryPort] = [await freePort(), await freePort()];
    const env: Record<string, string> = {
      KEDGE_TOKEN_SECRET_FILE: secretFile,
      KEDGE_CLOUDHUB_PORT: String(cloudhubPort),
      KEDGE_REGISTRY_PORT: String(registryPort),
      KEDGE_REGISTRY_IMAGE: 'kedge/registry:2.8.2',
      KEDGE_LOG_LEVEL: 'info',
    };
    for (const [i, name] of EDGES.entries()) env[`KEDGE_EDGE_${i + 1}_TOKEN`] = nodeToken(secret, name);
    project = new ComposeProject(engine, COMPOSE, `kedge-e2e-${randomBytes(3).toString('hex')}`, env);
    t = Date.now();
    await project.compose(['up', '-d']);
    store = openSqliteStore({ path: join(await project.volumePath('cloud-data'), 'kedge.db') });
    for (const name of EDGES) {
      await waitFor(
        async () => {
          const node = await store.get('Node', name);
          return node && nodeReadyCondition(node)?.status === 'True';
        },
        { what: `${name} Ready`, timeoutMs: 120_000, intervalMs: 250 },
      );
    }
    timings.upToReadyMs = Date.now() - t;
    console.log(`compose e2e timings: ${JSON.stringify(timings)}`);
  }, 900_000);

  afterAll(async () => {
    await store?.close();
    await project?.down();
    await dir?.cleanup();
  }, 120_000);

  async function finished<K extends JobKind>(
    kind: K,
    name: string,
    timeoutMs: number,
  ): Promise<ResourceOf<K>> {
    return waitFor(
      async () => {
        const job = await store.get(kind, name);
        const phase = (job as { status?: { phase?: string } } | undefined)?.status?.phase;
        return phase === 'Completed' || phase === 'Failure' ? (job as ResourceOf<K>) : undefined;
      },
      { what: `${kind} ${name} finished`, timeoutMs, intervalMs: 500 },
    );
  }

  it('runs every node Ready and healthy, the daemons as the images’ non-root user, labelled images, ports on 127.0.0.1 only', async () => {
    const health = await fetch(`http://127.0.0.1:${cloudhubPort}/healthz`);
    expect(await health.json()).toEqual({ status: 'ok', connectedNodes: 3 });
    for (const service of ['cloudcore', 'controllermanager', 'edge-1']) {
      const top = await project.docker(['top', `${project.name}_${service}_1`, '-eo', 'pid,uid,args']);
      const daemon = top.split('\n').find((l) => /(cloudcore|controllermanager|edgecore)\.mjs/.test(l));
      expect(daemon, `${service}: ${top}`).toMatch(new RegExp(`^\\s*\\d+\\s+${IMAGE_UID}\\s`));
    }
    // the images: OCI labels naming this checkout's commit, a healthcheck Docker ran to healthy
    for (const image of [
      'kedge/cloudcore:v0.1.0',
      'kedge/controllermanager:v0.1.0',
      `kedge/edgecore:${BASE}`,
    ]) {
      const [labels, user, health] = (
        await project.docker([
          'image',
          'inspect',
          '-f',
          '{{json .Config.Labels}}|{{.Config.User}}|{{json .Config.Healthcheck}}',
          image,
        ])
      ).split('|');
      const parsed = JSON.parse(labels ?? '{}') as Record<string, string>;
      expect(parsed['org.opencontainers.image.version'], image).toBe(image.split(':')[1]);
      expect(isCheckoutRevision(parsed['org.opencontainers.image.revision'] ?? ''), image).toBe(true);
      expect(user, image).toBe(`${IMAGE_UID}:${IMAGE_UID}`);
      expect(health, image).toContain('/healthz');
    }
    // one build: the edge image holds the very release build-images kept as the artifact
    for (const file of ['edgecore.mjs', 'launcher.mjs']) {
      const inImage = await project.docker([
        'run',
        '--rm',
        '--entrypoint',
        'sha256sum',
        `kedge/edgecore:${BASE}`,
        `/usr/local/lib/kedge/versions/${BASE}/${file}`,
      ]);
      const artifact = createHash('sha256')
        .update(readFileSync(join(dir.path, 'release', file)))
        .digest('hex');
      expect(inImage.split(/\s+/)[0], file).toBe(artifact);
    }
    const states = await project.docker([
      'ps',
      '--filter',
      `label=com.docker.compose.project=${project.name}`,
      '--format',
      '{{.Names}} {{.Status}}',
    ]);
    for (const service of ['cloudcore', 'controllermanager', ...EDGES])
      await waitFor(
        async () =>
          (await project.docker([
            'inspect',
            '-f',
            '{{.State.Health.Status}}',
            `${project.name}_${service}_1`,
          ])) === 'healthy',
        { what: `${service} healthy (${states})`, timeoutMs: 60_000, intervalMs: 1_000 },
      );
    const ports = await project.docker([
      'ps',
      '--filter',
      `label=com.docker.compose.project=${project.name}`,
      '--format',
      '{{.Ports}}',
    ]);
    const published = ports.split(/[\n,]/).filter((p) => p.includes('->'));
    expect(published.length).toBe(2);
    for (const p of published) expect(p.trim()).toMatch(/^127\.0\.0\.1:\d+->/);
  });

  it('pre-pulls an image from the registry service into every edge containerd', async () => {
    await pushBusyboxImage(`127.0.0.1:${registryPort}/kedge/busybox:1`);
    await store.create('ImagePrePullJob', {
      apiVersion: 'operations.kubeedge.io/v1alpha2',
      kind: 'ImagePrePullJob',
      metadata: { name: 'compose-prepull' },
      spec: {
        imagePrePullTemplate: {
          images: ['registry:5000/kedge/busybox:1'],
          nodeNames: EDGES,
          concurrency: 3,
          timeoutSeconds: 120,
        },
      },
    } as ResourceOf<'ImagePrePullJob'>);
    const job = await finished('ImagePrePullJob', 'compose-prepull', 150_000);
    expect(job.status?.phase, JSON.stringify(job.status)).toBe('Completed');
    const images = await project.compose([
      'exec',
      '-T',
      'edge-2',
      'ctr',
      '-n',
      'k8s.io',
      'images',
      'ls',
      '-q',
    ]);
    expect(images).toContain('registry:5000/kedge/busybox:1');
  });

  it('updates every edge’s edgecore.yaml with a ConfigUpdateJob', async () => {
    await store.create('ConfigUpdateJob', {
      apiVersion: 'operations.kubeedge.io/v1alpha2',
      kind: 'ConfigUpdateJob',
      metadata: { name: 'compose-config' },
      spec: { nodeNames: EDGES, concurrency: 3, updateFields: { 'modules.edgeHub.heartbeat': '7' } },
    } as ResourceOf<'ConfigUpdateJob'>);
    const job = await finished('ConfigUpdateJob', 'compose-config', 150_000);
    expect(job.status?.phase, JSON.stringify(job.status)).toBe('Completed');
    for (const name of EDGES) {
      const file = join(await project.volumePath(`${name}-etc`), 'edgecore.yaml');
      const config = parse(readFileSync(file, 'utf8')) as { modules: { edgeHub: { heartbeat: number } } };
      expect(config.modules.edgeHub.heartbeat, name).toBe(7);
    }
  });

  it('upgrades all three nodes with a NodeUpgradeJob, across a restart of cloudcore', async () => {
    const release = await buildRelease({ version: TARGET, outDir: join(dir.path, 'releases', TARGET) });
    await pushRelease(`127.0.0.1:${registryPort}/kedge/installation-package:${TARGET}`, release.outDir, {
      version: TARGET,
    });
    await store.create('NodeUpgradeJob', {
      apiVersion: 'operations.kubeedge.io/v1alpha2',
      kind: 'NodeUpgradeJob',
      metadata: { name: 'compose-upgrade' },
      spec: {
        nodeNames: EDGES,
        version: TARGET,
        image: 'registry:5000/kedge/installation-package',
        concurrency: 1,
      },
    } as ResourceOf<'NodeUpgradeJob'>);
    // mid-job: one node is on its way, the others are still to come
    await waitFor(
      async () => {
        const status = (await store.get('NodeUpgradeJob', 'compose-upgrade'))?.status;
        if (status?.phase === 'Completed' || status?.phase === 'Failure') return true; // asserted below
        const started = (status?.nodeStatus ?? []).filter(
          (e) => e.phase !== undefined && e.phase !== 'Pending',
        );
        return started.length >= 1 && started.length < EDGES.length;
      },
      { what: 'compose-upgrade under way', timeoutMs: 90_000, intervalMs: 200 },
    );
    await project.compose(['restart', 'cloudcore']);
    const job = await finished('NodeUpgradeJob', 'compose-upgrade', 300_000);
    expect(job.status?.phase, JSON.stringify(job.status)).toBe('Completed');
    for (const name of EDGES) {
      const entry = job.status?.nodeStatus?.find((s) => s.nodeName === name);
      expect(entry).toMatchObject({ phase: 'Successful', currentVersion: TARGET, historicVersion: BASE });
    }
    const current = await project.compose([
      'exec',
      '-T',
      'edge-3',
      'readlink',
      '/usr/local/lib/kedge/current',
    ]);
    expect(current.trim()).toBe(`versions/${TARGET}`);
  }, 420_000);

  it('leaves no container, network or volume behind after down -v', async () => {
    expect((await project.leftovers()).length).toBeGreaterThan(0);
    await store.close();
    await project.down();
    expect(await project.leftovers()).toEqual([]);
  }, 120_000);
});
