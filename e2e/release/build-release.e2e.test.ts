// scripts/build-release.ts as an operator runs it: the release it builds runs
// on its own, copied away from the source tree, opens its SQLite database and
// joins a real cloudcore reporting its VERSION; `--push` publishes it to a
// real registry.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { nodeReadyCondition } from '@kedge/api';
import {
  repoRoot,
  startProcess,
  startRegistry,
  tempDir,
  waitFor,
  type TempDir,
  type TestRegistry,
} from '@kedge/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalCloud, LocalEdge } from '@kedge/localup';

const run = promisify(execFile);

describe('scripts/build-release.ts', () => {
  let dir: TempDir;
  let registry: TestRegistry;
  let releaseDir: string;
  let output: string;

  beforeAll(async () => {
    dir = await tempDir('kedge-release-');
    registry = await startRegistry();
    releaseDir = join(dir.path, 'out', 'v0.2.0');
    const built = await run(
      process.execPath,
      [
        'scripts/build-release.ts',
        '--version',
        'v0.2.0',
        '--out',
        releaseDir,
        '--push',
        `${registry.url}/kedge/installation-package:v0.2.0`,
      ],
      { cwd: repoRoot() },
    );
    output = built.stdout;
  });

  afterAll(async () => {
    await registry?.stop();
    await dir?.cleanup();
  });

  it('writes the bundles, VERSION and only the native package to node_modules', async () => {
    expect(output).toMatch(
      /^built v0\.2\.0 in .* ms\): edgecore\.mjs, launcher\.mjs, node_modules: better-sqlite3@/m,
    );
    expect((await readdir(releaseDir)).sort()).toEqual([
      'VERSION',
      'edgecore.mjs',
      'launcher.mjs',
      'node_modules',
    ]);
    expect(await readFile(join(releaseDir, 'VERSION'), 'utf8')).toBe('v0.2.0\n');
    expect(await readdir(join(releaseDir, 'node_modules'))).toEqual(['better-sqlite3']);
    expect(existsSync(join(releaseDir, 'node_modules', 'better-sqlite3', 'deps'))).toBe(false);
  });

  it('runs from a copy outside the source tree', async () => {
    const copy = join(dir.path, 'elsewhere', 'v0.2.0');
    await cp(releaseDir, copy, { recursive: true, verbatimSymlinks: true });
    const { stdout } = await run(process.execPath, [join(copy, 'edgecore.mjs'), '--defaultconfig'], {
      cwd: dir.path,
    });
    expect(stdout).toContain('kind: EdgeCore');

    const cloud = new LocalCloud({ dir: dir.path });
    const edge = await LocalEdge.create(dir.path, {
      name: 'release-node',
      server: (await cloud.addCloudCore()).address,
      token: cloud.token('release-node'),
    });
    const proc = startProcess({
      name: 'release-edgecore',
      args: [join(copy, 'edgecore.mjs'), '--config', edge.configFile],
      cwd: dir.path,
    });
    try {
      expect(await proc.waitForLine(/"edgecore started"/, 20_000)).toContain('"version":"v0.2.0"');
      const node = await waitFor(
        async () => {
          const n = await cloud.store.get('Node', 'release-node');
          return n && nodeReadyCondition(n)?.status === 'True' ? n : undefined;
        },
        { what: 'release-node Ready', timeoutMs: 20_000 },
      );
      expect(node.status?.nodeInfo?.kubeletVersion).toBe('v0.2.0');
      expect(existsSync(edge.dbPath)).toBe(true);
    } finally {
      await proc.kill();
      await cloud.close();
    }
  });

  it('pushes the release to the registry with --push', async () => {
    const digest = /^pushed \S+ (sha256:[a-f0-9]{64}) \(linux\/\w+\)$/m.exec(output)?.[1];
    expect(digest).toBeDefined();
    const res = await fetch(`http://${registry.url}/v2/kedge/installation-package/manifests/v0.2.0`, {
      headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('docker-content-digest')).toBe(digest);
    const manifest = (await res.json()) as { layers: unknown[]; annotations?: Record<string, string> };
    expect(manifest.layers).toHaveLength(1);
    expect(manifest.annotations?.['org.opencontainers.image.version']).toBe('v0.2.0');
  });
});
