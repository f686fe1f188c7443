// configs/compose/docker-compose.yml, run as processes (Docker has no engine
// here): the same services, configs, commands, environment and ports (on
// free loopback ports), the edge nodes installed from the release their
// image would hold. Every node registers and goes Ready, and a
// NodeUpgradeJob over all three completes through the registry service.
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nodeReadyCondition, type ResourceOf } from '@kedge/api';
import { nodeToken } from '@kedge/tokens';
import { openSqliteStore, type ResourceStore } from '@kedge/store';
import { repoRoot, tempDir, waitFor, type TempDir } from '@kedge/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ComposeTopology } from './compose-topology.ts';

const COMPOSE = join(repoRoot(), 'configs', 'compose', 'docker-compose.yml');
const EDGES = ['edge-1', 'edge-2', 'edge-3'];
const TARGET = 'v1.1.0';

describe('docker-compose.yml as processes', () => {
  let dir: TempDir;
  let topology: ComposeTopology;
  let store: ResourceStore;

  beforeAll(async () => {
    dir = await tempDir('kedge-compose-');
    // docs/deploy.md's steps: a token secret, and each edge's token in the environment
    const secretFile = join(dir.path, 'token-secret');
    const secret = randomBytes(32).toString('hex');
    writeFileSync(secretFile, `${secret}\n`);
    const env: Record<string, string> = { KEDGE_LOG_LEVEL: 'info' };
    for (const [i, name] of EDGES.entries()) env[`KEDGE_EDGE_${i + 1}_TOKEN`] = nodeToken(secret, name);

    topology = await ComposeTopology.load({
      file: COMPOSE,
      dir: dir.path,
      env,
      secretFiles: { 'kedge-token-secret': secretFile },
    });
    await topology.start();
    store = openSqliteStore({ path: topology.hostPath('cloudcore', '/var/lib/kedge/kedge.db') });
  });

  afterAll(async () => {
    await store?.close();
    await topology?.close();
    await dir?.cleanup();
  });

  it('runs every service of the compose file with its own command, config and environment', () => {
    expect([...topology.processes.keys()].sort()).toEqual(['cloudcore', 'controllermanager', ...EDGES]);
    expect(topology.releases).toBeDefined(); // the registry service
    // the edges share one edgecore.yaml from the image; each got its own copy on its own volume
    const configs = EDGES.map((e) => topology.hostPath(e, '/etc/kedge/edgecore.yaml'));
    expect(new Set(configs).size).toBe(3);
    for (const file of configs) {
      expect(readFileSync(file, 'utf8')).toContain(`server: ${topology.address('cloudcore:10000')}`);
    }
    // cloudcore and controllermanager share the cloud-data volume (one SQLite file)
    expect(topology.hostPath('controllermanager', '/var/lib/kedge/kedge.db')).toBe(
      topology.hostPath('cloudcore', '/var/lib/kedge/kedge.db'),
    );
  });

  it('registers all three edge nodes, Ready, with the names and tokens from the environment', async () => {
    for (const name of EDGES) {
      await waitFor(
        async () => {
          const node = await store.get('Node', name);
          return node && nodeReadyCondition(node)?.status === 'True';
        },
        { what: `${name} Ready`, timeoutMs: 30_000 },
      );
    }
    const health = await fetch(`http://${topology.address('cloudcore:10000')}/healthz`);
    expect(await health.json()).toEqual({ status: 'ok', connectedNodes: 3 });
  });

  it('upgrades all three nodes with a NodeUpgradeJob from the registry service', async () => {
    const base = topology.service('edge-1').dockerfile?.args.KEDGE_VERSION;
    expect(base).toBe('v1.0.0');
    await topology.release(TARGET);
    // the image as the edges on the private network name it, rewritten like every other address
    const image = `${topology.address('registry:5000')}/kedge/installation-package`;
    await store.create('NodeUpgradeJob', {
      apiVersion: 'operations.kubeedge.io/v1alpha2',
      kind: 'NodeUpgradeJob',
      metadata: { name: 'compose-upgrade' },
      spec: { nodeNames: EDGES, version: TARGET, image, concurrency: 2 },
    } as ResourceOf<'NodeUpgradeJob'>);
    const job = await waitFor(
      async () => {
        const j = await store.get('NodeUpgradeJob', 'compose-upgrade');
        return j?.status?.phase === 'Completed' || j?.status?.phase === 'Failure' ? j : undefined;
      },
      { what: 'compose-upgrade finished', timeoutMs: 120_000, intervalMs: 250 },
    );
    expect(job.status?.phase).toBe('Completed');
    for (const name of EDGES) {
      const entry = job.status?.nodeStatus?.find((s) => s.nodeName === name);
      expect(entry).toMatchObject({ phase: 'Successful', currentVersion: TARGET, historicVersion: base });
      const res = await fetch(`http://127.0.0.1:${topology.loopbackPort(name, 10550)}/healthz`);
      expect(((await res.json()) as { version: string }).version).toBe(TARGET);
    }
  });
});
