// The cloud bundles the images hold run with nothing but Node and their own
// node_modules: copied away from the workspace, each daemon prints its
// reference configuration, and better-sqlite3 opens a database from there.
import { execFile } from 'node:child_process';
import { cp, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { tempDir } from '@kedge/testing';
import { describe, expect, it } from 'vitest';
import { buildCloudBundle } from './build-cloud-bundle.ts';

const run = promisify(execFile);

describe('buildCloudBundle', () => {
  it('bundles cloudcore and controllermanager that run outside the workspace', async () => {
    await using built = await tempDir('kedge-cloud-bundle-');
    await using away = await tempDir('kedge-cloud-away-');
    const bundle = await buildCloudBundle({ version: 'v0.1.0', outDir: join(built.path, 'cloud') });
    expect(bundle.nativePackages.map((p) => p.split('@')[0])).toContain('better-sqlite3');
    // only what cannot be bundled sits beside the bundles
    expect((await readdir(join(built.path, 'cloud'))).sort()).toEqual([
      'VERSION',
      'cloudcore.mjs',
      'controllermanager.mjs',
      'node_modules',
    ]);
    await cp(join(built.path, 'cloud'), join(away.path, 'opt'), { recursive: true });
    const cloud = await run(process.execPath, [join(away.path, 'opt', 'cloudcore.mjs'), '--defaultconfig'], {
      cwd: away.path,
    });
    expect(cloud.stdout).toContain('kind: CloudCore');
    const cm = await run(
      process.execPath,
      [join(away.path, 'opt', 'controllermanager.mjs'), '--defaultconfig'],
      { cwd: away.path },
    );
    expect(cm.stdout).toContain('kind: ControllerManager');
    const sqlite = await run(
      process.execPath,
      [
        '-e',
        "const D = require(process.argv[1]); console.log(new D(':memory:').prepare('select 41 + 1 v').get().v)",
        join(away.path, 'opt', 'node_modules', 'better-sqlite3'),
      ],
      { cwd: away.path },
    );
    expect(sqlite.stdout.trim()).toBe('42');
  }, 120_000);
});
