// Layers that would write outside the release directory (or create devices)
// are refused before anything is unpacked. The archives are made with the
// system tar, pushed to a real registry and pulled back.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasCode } from '@kedge/api';
import { startRegistry, tempDir, type TempDir, type TestRegistry } from '@kedge/testing';
import { pullRelease } from './index.ts';
import { pushImageWithLayer } from '../test/fixtures.ts';

const run = promisify(execFile);

let registry: TestRegistry;
let tmp: TempDir;

beforeAll(async () => {
  registry = await startRegistry();
  tmp = await tempDir('kedge-oci-unsafe-');
});

afterAll(async () => {
  await registry?.stop();
  await tmp?.cleanup();
});

/** Makes a layer with `build(dir, tarFile)`, pushes it and tries to install it; returns the error. */
async function installFails(
  name: string,
  build: (dir: string, tarFile: string) => Promise<void>,
): Promise<Error> {
  const dir = join(tmp.path, name, 'content');
  await mkdir(dir, { recursive: true });
  const tarFile = join(tmp.path, name, 'layer.tar');
  await build(dir, tarFile);
  await run('gzip', ['-n', tarFile]);
  const ref = `${registry.url}/kedge/${name}:v1`;
  await pushImageWithLayer(ref, `${tarFile}.gz`);
  const destDir = join(tmp.path, name, 'install', 'v1');
  try {
    await pullRelease(ref, { destDir });
  } catch (err: unknown) {
    expect(await readdir(join(tmp.path, name, 'install'))).toEqual([]);
    return err as Error;
  }
  throw new Error(`${name}: the layer was installed`);
}

describe('unsafe layers', () => {
  it('refuses an entry with ".." and writes nothing outside', async () => {
    const err = await installFails('dotdot', async (dir, tarFile) => {
      await writeFile(join(dir, 'escape.txt'), 'x');
      await run('tar', ['-cf', tarFile, '-C', dir, '--transform', 's,^,../../,', 'escape.txt']);
    });
    expect(hasCode(err, 'KEDGE_OCI_UNSAFE_ARCHIVE')).toBe(true);
    expect(err.message).toMatch(
      /layer sha256:[a-f0-9]{64}: entry "\.\.\/\.\.\/escape\.txt" has a "\.\." component; refusing to unpack/,
    );
    expect(existsSync(join(tmp.path, 'dotdot', 'escape.txt'))).toBe(false);
  });

  it('reads the name from a pax header, where a long name hides', async () => {
    const long = `${'deep-directory-name/'.repeat(6)}file.txt`;
    const err = await installFails('pax', async (dir, tarFile) => {
      await mkdir(join(dir, long, '..'), { recursive: true });
      await writeFile(join(dir, long), 'x');
      await run('tar', ['--format=posix', '-cf', tarFile, '-C', dir, '--transform', 's,^,../,', long]);
    });
    expect(hasCode(err, 'KEDGE_OCI_UNSAFE_ARCHIVE')).toBe(true);
    expect(err.message).toContain(`entry "../deep-directory-name/`);
    expect(err.message).toContain('has a ".." component');
  });

  it('refuses an absolute entry', async () => {
    const err = await installFails('absolute', async (dir, tarFile) => {
      await writeFile(join(dir, 'abs.txt'), 'x');
      await run('tar', ['-cPf', tarFile, join(dir, 'abs.txt')]);
    });
    expect(hasCode(err, 'KEDGE_OCI_UNSAFE_ARCHIVE')).toBe(true);
    expect(err.message).toContain(
      `entry "${join(tmp.path, 'absolute', 'content', 'abs.txt')}" is an absolute path`,
    );
  });

  it('refuses a symlink out of the release, and an entry written through a symlink', async () => {
    const out = await installFails('symlink-out', async (dir, tarFile) => {
      await symlink('../../../etc', join(dir, 'etc'));
      await run('tar', ['-cf', tarFile, '-C', dir, 'etc']);
    });
    expect(out.message).toContain('symlink "etc" -> "../../../etc" points outside the release');

    const through = await installFails('symlink-through', async (dir, tarFile) => {
      await mkdir(join(dir, 'first'));
      await mkdir(join(dir, 'second', 'link'), { recursive: true });
      await symlink('.', join(dir, 'first', 'link'));
      await writeFile(join(dir, 'second', 'link', 'x'), 'x');
      await run('tar', ['-cf', tarFile, '-C', join(dir, 'first'), 'link']);
      await run('tar', ['-rf', tarFile, '-C', join(dir, 'second'), 'link/x']);
    });
    expect(hasCode(through, 'KEDGE_OCI_UNSAFE_ARCHIVE')).toBe(true);
    expect(through.message).toContain('entry "link/x" would be written through the symlink "link"');
  });

  it('refuses a fifo', async () => {
    const err = await installFails('fifo', async (dir, tarFile) => {
      await run('mkfifo', [join(dir, 'pipe')]);
      await run('tar', ['-cf', tarFile, '-C', dir, 'pipe']);
    });
    expect(err.message).toContain('entry "pipe" is a fifo, which a release may not contain');
  });

  it('refuses a layer that is not a tar archive', async () => {
    const err = await installFails('garbage', async (_dir, tarFile) => {
      await writeFile(tarFile, Buffer.alloc(2048, 7));
    });
    expect(hasCode(err, 'KEDGE_OCI_UNSAFE_ARCHIVE')).toBe(true);
    expect(err.message).toContain('is not a readable tar+gzip archive: header 1 has a bad checksum');
  });
});
