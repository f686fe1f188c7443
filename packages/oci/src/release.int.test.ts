// Push and pull of release images against a real Distribution registry.
import { existsSync } from 'node:fs';
import { cp, mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasCode } from '@kedge/api';
import { startRegistry, tempDir, type TempDir, type TestRegistry } from '@kedge/testing';
import {
  MEDIA_TYPES,
  VERSION_LABEL,
  digestOf,
  pullBlob,
  pullManifest,
  pullRelease,
  pushRelease,
  type PullProgress,
} from './index.ts';
import { blobDataPath, LONG_NAME, makeReleaseDir, snapshotTree } from '../test/fixtures.ts';

let registry: TestRegistry;
let tmp: TempDir;

beforeAll(async () => {
  registry = await startRegistry();
  tmp = await tempDir('kedge-oci-');
});

afterAll(async () => {
  await registry?.stop();
  await tmp?.cleanup();
});

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err: unknown) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

describe('pushRelease + pullRelease', () => {
  it('installs exactly the tree that was pushed, with progress and the version label', async () => {
    const src = await makeReleaseDir(join(tmp.path, 'src-roundtrip'), 'v0.2.0');
    const ref = `${registry.url}/kedge/installation-package:v0.2.0`;
    const pushed = await pushRelease(ref, src);
    expect(pushed.version).toBe('v0.2.0');

    const destDir = join(tmp.path, 'install', 'versions', 'v0.2.0');
    const progress: PullProgress[] = [];
    const pulled = await pullRelease(ref, { destDir, onProgress: (p) => progress.push(p) });

    expect(pulled.digest).toBe(pushed.digest);
    expect(pulled.version).toBe('v0.2.0');
    expect(pulled.labels[VERSION_LABEL]).toBe('v0.2.0');
    expect(pulled.layers).toEqual([
      { digest: pushed.layer.digest, size: pushed.layer.size, mediaType: MEDIA_TYPES.ociLayerTarGzip },
    ]);
    expect(await snapshotTree(destDir)).toEqual(await snapshotTree(src));
    expect(Object.keys(await snapshotTree(destDir))).toContain(`node_modules/dep/${LONG_NAME}`);
    // Nothing but the release is left beside it.
    expect(await readdir(join(tmp.path, 'install', 'versions'))).toEqual(['v0.2.0']);
    expect(progress.map((p) => p.step)).toEqual(
      expect.arrayContaining(['manifest', 'download', 'unpack', 'done']),
    );
    expect(progress.at(-1)).toEqual({ step: 'done', destDir });
  });

  it('gives the same digest for the same tree wherever and whenever it is packed', async () => {
    const a = await makeReleaseDir(join(tmp.path, 'same-a'), 'v0.3.0');
    const b = join(tmp.path, 'elsewhere', 'same-b');
    await mkdir(join(tmp.path, 'elsewhere'), { recursive: true });
    await cp(a, b, { recursive: true, verbatimSymlinks: true });
    const first = await pushRelease(`${registry.url}/kedge/same:one`, a);
    await readFile(join(a, 'VERSION')); // touch atimes between the two packs
    const again = await pushRelease(`${registry.url}/kedge/same:two`, a);
    const copy = await pushRelease(`${registry.url}/kedge/same:three`, b);
    expect(again.digest).toBe(first.digest);
    expect(copy.digest).toBe(first.digest);
    expect(copy.layer.digest).toBe(first.layer.digest);

    await writeFile(join(b, 'VERSION'), 'v0.3.1\n');
    const changed = await pushRelease(`${registry.url}/kedge/same:four`, b);
    expect(changed.layer.digest).not.toBe(first.layer.digest);
  });

  it('checks the expected manifest digest before it downloads anything', async () => {
    const src = await makeReleaseDir(join(tmp.path, 'src-expected'), 'v0.4.0');
    const ref = `${registry.url}/kedge/expected:v0.4.0`;
    const pushed = await pushRelease(ref, src);
    const other = digestOf(Buffer.from('another manifest'));
    const destDir = join(tmp.path, 'expected', 'v0.4.0');

    const err = await rejection(pullRelease(ref, { destDir, expectedManifestDigest: other }));
    expect(hasCode(err, 'KEDGE_OCI_DIGEST_MISMATCH')).toBe(true);
    expect(err.message).toContain(`expected manifest digest ${other}`);
    expect(err.message).toContain(`the registry has ${pushed.digest}`);
    expect(existsSync(join(tmp.path, 'expected'))).toBe(false);

    const ok = await pullRelease(ref, { destDir, expectedManifestDigest: pushed.digest });
    expect(ok.digest).toBe(pushed.digest);
    const again = await rejection(pullRelease(ref, { destDir }));
    expect(hasCode(again, 'KEDGE_OCI_UNPACK_FAILED')).toBe(true);
    expect(again.message).toContain(`${destDir} already exists`);
  });

  it('deletes a layer that does not match its digest and installs nothing', async () => {
    const src = await makeReleaseDir(join(tmp.path, 'src-corrupt'), 'v0.5.0');
    const ref = `${registry.url}/kedge/corrupt:v0.5.0`;
    const pushed = await pushRelease(ref, src);
    // Flip one byte of the layer in the registry's storage: it serves the bytes as they are.
    const stored = blobDataPath(registry.storageDir, pushed.layer.digest);
    const bytes = await readFile(stored);
    bytes[bytes.length - 10] = (bytes[bytes.length - 10] ?? 0) ^ 0xff;
    await writeFile(stored, bytes);
    const actual = digestOf(bytes);

    const destDir = join(tmp.path, 'corrupt', 'v0.5.0');
    const err = await rejection(pullRelease(ref, { destDir }));
    expect(hasCode(err, 'KEDGE_OCI_DIGEST_MISMATCH')).toBe(true);
    expect(err.message).toContain(`registry ${registry.url}, repository kedge/corrupt`);
    expect(err.message).toContain(`expected digest ${pushed.layer.digest}, got ${actual}`);
    expect(await readdir(join(tmp.path, 'corrupt'))).toEqual([]);

    const file = join(tmp.path, 'corrupt-blob');
    const direct = await rejection(pullBlob(ref, pushed.layer.digest, file));
    expect(hasCode(direct, 'KEDGE_OCI_DIGEST_MISMATCH')).toBe(true);
    expect(direct.message).toContain(`deleted ${file}`);
    expect(existsSync(file)).toBe(false);
  });

  it('refuses a manifest whose bytes do not match the digest it was pulled by', async () => {
    const src = await makeReleaseDir(join(tmp.path, 'src-manifest'), 'v0.6.0');
    const pushed = await pushRelease(`${registry.url}/kedge/manifest:v0.6.0`, src);
    const stored = blobDataPath(registry.storageDir, pushed.digest);
    const text = await readFile(stored, 'utf8');
    await writeFile(stored, text.replace('"v0.6.0"', '"v0.6.1"'));

    const err = await rejection(pullManifest(`${registry.url}/kedge/manifest@${pushed.digest}`));
    expect(hasCode(err, 'KEDGE_OCI_DIGEST_MISMATCH')).toBe(true);
    expect(err.message).toContain(`manifest ${pushed.digest}: expected digest ${pushed.digest}, got sha256:`);
  });

  it('pulls a single blob to a file and says which tag or blob is missing', async () => {
    const src = await makeReleaseDir(join(tmp.path, 'src-blob'), 'v0.7.0');
    const ref = `${registry.url}/kedge/blob:v0.7.0`;
    const pushed = await pushRelease(ref, src);
    const file = join(tmp.path, 'config.json');
    const blob = await pullBlob(ref, pushed.config.digest, file);
    expect(blob).toEqual({ digest: pushed.config.digest, size: pushed.config.size, file });
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({
      os: 'linux',
      config: { Labels: { [VERSION_LABEL]: 'v0.7.0' } },
      rootfs: { type: 'layers', diff_ids: [pushed.layer.diffId] },
    });

    const missingTag = await rejection(pullManifest(`${registry.url}/kedge/blob:v9.9.9`));
    expect(hasCode(missingTag, 'KEDGE_OCI_NOT_FOUND')).toBe(true);
    expect(missingTag.message).toBe(
      `registry ${registry.url}, repository kedge/blob: GET manifest v9.9.9: HTTP 404 (MANIFEST_UNKNOWN: manifest unknown)`,
    );
    const missingBlob = await rejection(pullBlob(ref, digestOf(Buffer.from('nope')), join(tmp.path, 'nope')));
    expect(hasCode(missingBlob, 'KEDGE_OCI_NOT_FOUND')).toBe(true);
    expect(existsSync(join(tmp.path, 'nope'))).toBe(false);
  });

  it('reports an unreachable registry by name', async () => {
    const stopped = await startRegistry();
    await stopped.stop();
    const err = await rejection(pullManifest(`${stopped.url}/kedge/x:v1`));
    expect(hasCode(err, 'KEDGE_OCI_REGISTRY_ERROR')).toBe(true);
    expect(err.message).toContain(
      `registry ${stopped.url}, repository kedge/x: GET manifest v1: cannot reach`,
    );
  });
});
