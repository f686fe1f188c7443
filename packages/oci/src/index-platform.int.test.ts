// Multi-platform releases: one image manifest per architecture behind an OCI
// index, as NodeUpgradeJob's imageDigestGatter (per-arch digests) expects.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasCode } from '@kedge/api';
import { startRegistry, tempDir, type TempDir, type TestRegistry } from '@kedge/testing';
import {
  hostPlatform,
  pullManifest,
  pullRelease,
  pushIndex,
  pushRelease,
  type PushedRelease,
} from './index.ts';
import { makeReleaseDir } from '../test/fixtures.ts';

let registry: TestRegistry;
let tmp: TempDir;
let amd64: PushedRelease;
let arm64: PushedRelease;
let indexDigest: string;
let ref: string;

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err: unknown) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

beforeAll(async () => {
  registry = await startRegistry();
  tmp = await tempDir('kedge-oci-index-');
  const repo = `${registry.url}/kedge/installation-package`;
  // Untagged pushes: each manifest is reachable only by digest, through the index.
  amd64 = await pushRelease(repo, await makeReleaseDir(join(tmp.path, 'amd64'), 'v1.0.0', 'amd64 build'), {
    platform: { os: 'linux', architecture: 'amd64' },
  });
  arm64 = await pushRelease(repo, await makeReleaseDir(join(tmp.path, 'arm64'), 'v1.0.0', 'arm64 build'), {
    platform: { os: 'linux', architecture: 'arm64' },
  });
  ref = `${repo}:v1.0.0`;
  const index = await pushIndex(ref, [
    { digest: amd64.digest, size: amd64.size, platform: amd64.platform },
    { digest: arm64.digest, size: arm64.size, platform: arm64.platform },
  ]);
  indexDigest = index.digest;
});

afterAll(async () => {
  await registry?.stop();
  await tmp?.cleanup();
});

describe('image index', () => {
  it('resolves the manifest of the wanted platform and names the index', async () => {
    const forArm = await pullManifest(ref, { platform: { os: 'linux', architecture: 'arm64' } });
    expect(forArm).toMatchObject({ digest: arm64.digest, indexDigest, size: arm64.size });
    expect(forArm.manifest.layers[0]?.digest).toBe(arm64.layer.digest);

    const forAmd = await pullManifest(`${registry.url}/kedge/installation-package@${indexDigest}`, {
      platform: { os: 'linux', architecture: 'amd64' },
    });
    expect(forAmd).toMatchObject({ digest: amd64.digest, indexDigest });

    const byDefault = await pullManifest(ref);
    const host = hostPlatform().architecture;
    if (host === 'amd64' || host === 'arm64') {
      expect(byDefault.digest).toBe(host === 'amd64' ? amd64.digest : arm64.digest);
    }
  });

  it('says which platforms an index has when the wanted one is missing', async () => {
    const err = await rejection(pullManifest(ref, { platform: { os: 'linux', architecture: 's390x' } }));
    expect(hasCode(err, 'KEDGE_OCI_PLATFORM_MISSING')).toBe(true);
    expect(err.message).toBe(
      `registry ${registry.url}, repository kedge/installation-package: index ${indexDigest} has no manifest for linux/s390x (it has: linux/amd64, linux/arm64)`,
    );
  });

  it('installs the release of the wanted platform, checked against its per-arch digest', async () => {
    const destDir = join(tmp.path, 'install', 'v1.0.0');
    const pulled = await pullRelease(ref, {
      destDir,
      platform: { os: 'linux', architecture: 'arm64' },
      expectedManifestDigest: arm64.digest,
    });
    expect(pulled).toMatchObject({ digest: arm64.digest, indexDigest, version: 'v1.0.0' });
    expect(await readFile(join(destDir, 'edgecore.mjs'), 'utf8')).toContain('arm64 build');

    const wrongArch = await rejection(
      pullRelease(ref, {
        destDir: join(tmp.path, 'install', 'other'),
        platform: { os: 'linux', architecture: 'arm64' },
        expectedManifestDigest: amd64.digest,
      }),
    );
    expect(hasCode(wrongArch, 'KEDGE_OCI_DIGEST_MISMATCH')).toBe(true);
    expect(wrongArch.message).toContain(`expected manifest digest ${amd64.digest} for linux/arm64`);
  });

  it('refuses a single-platform image built for another CPU', async () => {
    const err = await rejection(
      pullRelease(`${registry.url}/kedge/installation-package@${arm64.digest}`, {
        destDir: join(tmp.path, 'install', 'cross'),
        platform: { os: 'linux', architecture: 'amd64' },
      }),
    );
    expect(hasCode(err, 'KEDGE_OCI_PLATFORM_MISSING')).toBe(true);
    expect(err.message).toContain('the image is built for linux/arm64, not linux/amd64');
  });
});
