// Test helper (not exported): a tiny single-layer OCI image pushed to a real
// registry (pushRelease packs any directory into a layer with a valid image
// config, which containerd pulls like any other image).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pushRelease, type RegistryAuth } from '@kedge/oci';

/** Pushes `<registry>/<repo>:v1` holding one small file; `dir` is scratch space. */
export async function pushTinyImage(
  registry: string,
  repo: string,
  dir: string,
  auth?: RegistryAuth,
): Promise<string> {
  const src = join(dir, repo.replaceAll('/', '_'));
  mkdirSync(src, { recursive: true });
  writeFileSync(join(src, 'hello.txt'), `${repo}\n`);
  const ref = `${registry}/${repo}:v1`;
  await pushRelease(ref, src, { version: 'v1.0.0', ...(auth ? { auth } : {}) });
  return ref;
}
