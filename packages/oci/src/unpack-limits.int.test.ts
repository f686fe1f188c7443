// A release may unpack to at most maxBytes and maxFiles: a gzip bomb (a small
// layer of zeros that expands a thousandfold) or a layer of countless files is
// refused while its entries are listed, before anything is written.
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasCode } from '@kedge/api';
import { startRegistry, tempDir, type TempDir, type TestRegistry } from '@kedge/testing';
import { DEFAULT_UNPACK_LIMITS, pullRelease } from './index.ts';
import { writeGzipBomb } from '@kedge/testing';
import { pushImageWithLayer } from '../test/fixtures.ts';

let registry: TestRegistry;
let tmp: TempDir;

beforeAll(async () => {
  registry = await startRegistry();
  tmp = await tempDir('kedge-oci-limits-');
});

afterAll(async () => {
  await registry?.stop();
  await tmp?.cleanup();
});

async function pushBomb(name: string, bytesEach: number, files = 1): Promise<string> {
  const layer = join(tmp.path, `${name}.tar.gz`);
  await writeGzipBomb(layer, bytesEach, files);
  const ref = `${registry.url}/kedge/${name}:v1`;
  await pushImageWithLayer(ref, layer);
  return ref;
}

async function pullFails(ref: string, name: string, limits?: { maxBytes?: number; maxFiles?: number }) {
  const installDir = join(tmp.path, name, 'install');
  const err: unknown = await pullRelease(ref, {
    destDir: join(installDir, 'v1'),
    ...(limits ? { limits } : {}),
  })
    .then(() => undefined)
    .catch((e: unknown) => e);
  expect(err, 'the release was installed').toBeInstanceOf(Error);
  expect(await readdir(installDir)).toEqual([]); // no partial install, no download left over
  return err as Error;
}

describe('unpack limits', () => {
  it('refuses a gzip bomb over the default cap, naming the limit, and writes nothing', async () => {
    const ref = await pushBomb('bomb', 300 * 1024 * 1024);
    const err = await pullFails(ref, 'bomb');
    expect(hasCode(err, 'KEDGE_OCI_RELEASE_TOO_LARGE')).toBe(true);
    expect(err.message).toMatch(
      new RegExp(`unpacks to more than ${DEFAULT_UNPACK_LIMITS.maxBytes} bytes unpacked \\(limit maxBytes`),
    );
  });

  it('refuses more entries than maxFiles, and takes what fits under both limits', async () => {
    const ref = await pushBomb('many', 10, 50);
    const err = await pullFails(ref, 'many', { maxFiles: 20 });
    expect(hasCode(err, 'KEDGE_OCI_RELEASE_TOO_LARGE')).toBe(true);
    expect(err.message).toContain('more than 20 entries (limit maxFiles)');

    const dest = join(tmp.path, 'many-ok', 'v1');
    await pullRelease(ref, { destDir: dest, limits: { maxFiles: 50, maxBytes: 500 } });
    expect((await readdir(dest)).length).toBe(50);
    expect((await stat(join(dest, 'zeros-0.bin'))).size).toBe(10);
  });
});
