// Where keadm gets a release from: a local directory (a build-release.ts
// output; handy offline) or an OCI image pulled with @kedge/oci. Images are
// pulled into <root>/versions/.pull-<version> (same file system, so staging
// is a rename) and verified against --image-digest when given.
import { existsSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { KedgeError } from '@kedge/api';
import { type InstallLayout, type StageMode } from '@kedge/installer';
import { pullRelease } from '@kedge/oci';
import type { KeadmIo } from './keadm-io.ts';

export interface FetchedRelease {
  dir: string;
  /** How to stage it: a pulled directory is ours to move; a local one is copied. */
  mode: StageMode;
  /** The manifest digest, for a pulled image. */
  digest?: string;
  cleanup(): void;
}

export function isLocalRelease(source: string): boolean {
  return /^(\/|\.\.?\/)/.test(source) && existsSync(source) && statSync(source).isDirectory();
}

/** `image:version` unless the image already names a tag or digest. */
function imageRef(image: string, version: string): string {
  const lastSegment = image.slice(image.lastIndexOf('/') + 1);
  return image.includes('@') || lastSegment.includes(':') ? image : `${image}:${version}`;
}

export async function fetchRelease(
  layout: InstallLayout,
  source: string,
  version: string,
  options: { digest?: string | undefined; insecure?: boolean | undefined },
  io: KeadmIo,
): Promise<FetchedRelease> {
  if (isLocalRelease(source)) {
    if (options.digest) {
      throw new KedgeError(
        'KEDGE_CLI_USAGE',
        `--image-digest: only applies to an image, not the directory ${source}`,
      );
    }
    return { dir: source, mode: 'copy', cleanup: () => undefined };
  }
  const ref = imageRef(source, version);
  const dir = join(layout.versionsDir, `.pull-${version}`);
  const cleanup = (): void => {
    for (const d of [dir, `${dir}.partial`, `${dir}.download`]) rmSync(d, { recursive: true, force: true });
  };
  cleanup();
  const username = io.env.KEDGE_REGISTRY_USERNAME;
  io.stdout.write(`pulling ${ref}\n`);
  let pulled;
  try {
    pulled = await pullRelease(ref, {
      destDir: dir,
      ...(options.digest ? { expectedManifestDigest: options.digest } : {}),
      ...(options.insecure ? { insecure: true } : {}),
      ...(username ? { auth: { username, password: io.env.KEDGE_REGISTRY_PASSWORD ?? '' } } : {}),
      signal: io.signal,
    });
  } catch (err: unknown) {
    cleanup();
    throw err;
  }
  if (pulled.version !== undefined && pulled.version !== version) {
    cleanup();
    throw new KedgeError(
      'KEDGE_INSTALL_INVALID',
      `--image: ${ref} is labelled version ${pulled.version}, not --toVersion ${version}`,
      { version, fields: ['--image', '--toVersion'] },
    );
  }
  io.stdout.write(`pulled ${ref} (${pulled.digest})\n`);
  return { dir, mode: 'move', digest: pulled.digest, cleanup };
}
