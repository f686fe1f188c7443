// Registries that want credentials: htpasswd Basic auth, and the Bearer token
// flow (a token service the registry trusts), both with the real registry.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasCode } from '@kedge/api';
import { startRegistry, tempDir, type TempDir, type TestRegistry } from '@kedge/testing';
import { pullManifest, pullRelease, pushRelease } from './index.ts';
import { makeReleaseDir, snapshotTree } from '../test/fixtures.ts';

const auth = { username: 'edge-puller', password: 'correct horse battery staple' };
const wrong = { username: 'edge-puller', password: 'not the password' };

let tmp: TempDir;

beforeAll(async () => {
  tmp = await tempDir('kedge-oci-auth-');
});

afterAll(async () => {
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

function expectNoSecrets(err: Error): void {
  const everything = `${err.message} ${JSON.stringify((err as { context?: unknown }).context)}`;
  for (const secret of [
    auth.password,
    wrong.password,
    Buffer.from(`${auth.username}:${auth.password}`).toString('base64'),
  ]) {
    expect(everything).not.toContain(secret);
  }
}

describe.each(['basic', 'token'] as const)('%s auth', (scheme) => {
  let registry: TestRegistry;
  let ref: string;

  beforeAll(async () => {
    registry = await startRegistry({ auth: { ...auth, scheme } });
    ref = `${registry.url}/kedge/installation-package:v0.2.0`;
  });

  afterAll(async () => {
    await registry?.stop();
  });

  it('pushes and pulls with the credentials', async () => {
    const src = await makeReleaseDir(join(tmp.path, `${scheme}-src`), 'v0.2.0');
    const pushed = await pushRelease(ref, src, { auth });
    const destDir = join(tmp.path, `${scheme}-install`, 'v0.2.0');
    const pulled = await pullRelease(ref, { destDir, auth });
    expect(pulled.digest).toBe(pushed.digest);
    expect(await snapshotTree(destDir)).toEqual(await snapshotTree(src));
    if (scheme === 'token') {
      const scopes = registry.tokenService?.requests.flatMap((r) => r.scopes) ?? [];
      // The registry lists a scope's actions in map order: pull,push or push,pull.
      const actions = scopes.map((s) =>
        s.replace('repository:kedge/installation-package:', '').split(',').sort().join(),
      );
      expect(actions).toContain('pull,push');
      expect(actions).toContain('pull');
    }
  });

  it('says credentials are needed when none are given', async () => {
    const err = await rejection(pullManifest(ref));
    expect(hasCode(err, 'KEDGE_OCI_AUTH_FAILED')).toBe(true);
    expect(err.message).toContain(
      `registry ${registry.url}, repository kedge/installation-package: GET manifest v0.2.0: HTTP 401, the registry wants credentials (${
        scheme === 'basic' ? 'Basic' : 'Bearer'
      }) and none were given`,
    );
    const release = await rejection(pullRelease(ref, { destDir: join(tmp.path, `${scheme}-anon`) }));
    expect(hasCode(release, 'KEDGE_OCI_AUTH_FAILED')).toBe(true);
  });

  it('says the credentials were rejected, without repeating them', async () => {
    const err = await rejection(pullManifest(ref, { auth: wrong }));
    expect(hasCode(err, 'KEDGE_OCI_AUTH_FAILED')).toBe(true);
    expect(err.message).toContain(
      `registry ${registry.url}, repository kedge/installation-package: GET manifest v0.2.0`,
    );
    expect(err.message).toMatch(
      scheme === 'basic'
        ? /HTTP 401, the registry rejected the credentials given$/
        : /token service http:\/\/127\.0\.0\.1:\d+\/token answered HTTP 401: the credentials were rejected$/,
    );
    expectNoSecrets(err);
  });
});
