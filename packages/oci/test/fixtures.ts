// Release trees for the integration tests, a way to compare two trees byte
// for byte, and a way to push an image whose one layer is a given file.
import { chmod, lstat, mkdir, readFile, readdir, readlink, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  MEDIA_TYPES,
  hostPlatform,
  pushBlob,
  pushManifest,
  type Platform,
  type RegistryAuth,
} from '../src/index.ts';

export const LONG_NAME = `${'a-long-file-name-'.repeat(8)}end.txt`;

/** A small release: VERSION, an executable, nested dirs, a symlink, binary content and a >100-char name. */
export async function makeReleaseDir(dir: string, version: string, marker = 'edgecore'): Promise<string> {
  await mkdir(join(dir, 'node_modules', 'dep', 'build'), { recursive: true });
  await writeFile(join(dir, 'VERSION'), `${version}\n`);
  await writeFile(
    join(dir, 'edgecore.mjs'),
    `#!/usr/bin/env node\nconsole.log(${JSON.stringify(marker)});\n`,
  );
  await chmod(join(dir, 'edgecore.mjs'), 0o755);
  await writeFile(
    join(dir, 'node_modules', 'dep', 'build', 'native.node'),
    Buffer.from([0, 1, 2, 255, 254, 10, 0]),
  );
  await writeFile(join(dir, 'node_modules', 'dep', LONG_NAME), 'long\n');
  await symlink('build/native.node', join(dir, 'node_modules', 'dep', 'current.node'));
  return dir;
}

export interface TreeEntry {
  type: 'file' | 'dir' | 'symlink';
  mode: number;
  content?: string;
}

/** Every path under `dir` with its type, permission bits and content (base64) or link target. */
export async function snapshotTree(dir: string, prefix = ''): Promise<Record<string, TreeEntry>> {
  const out: Record<string, TreeEntry> = {};
  for (const name of (await readdir(dir)).sort()) {
    const path = join(dir, name);
    const rel = prefix ? `${prefix}/${name}` : name;
    const info = await lstat(path);
    const mode = info.mode & 0o7777;
    if (info.isSymbolicLink()) out[rel] = { type: 'symlink', mode: 0, content: await readlink(path) };
    else if (info.isDirectory()) {
      out[rel] = { type: 'dir', mode };
      Object.assign(out, await snapshotTree(path, rel));
    } else out[rel] = { type: 'file', mode, content: (await readFile(path)).toString('base64') };
  }
  return out;
}

/** Pushes an image with `layerFile` as its only layer, as pushRelease would but without packing anything. */
export async function pushImageWithLayer(
  ref: string,
  layerFile: string,
  options: { auth?: RegistryAuth; platform?: Platform; mediaType?: string } = {},
): Promise<string> {
  const auth = options.auth ? { auth: options.auth } : {};
  const platform = options.platform ?? hostPlatform();
  const layer = await pushBlob(ref, layerFile, auth);
  const config = await pushBlob(
    ref,
    Buffer.from(JSON.stringify({ architecture: platform.architecture, os: platform.os, config: {} })),
    auth,
  );
  const pushed = await pushManifest(
    ref,
    {
      schemaVersion: 2,
      mediaType: MEDIA_TYPES.ociManifest,
      config: { mediaType: MEDIA_TYPES.ociConfig, digest: config.digest, size: config.size },
      layers: [
        {
          mediaType: options.mediaType ?? MEDIA_TYPES.ociLayerTarGzip,
          digest: layer.digest,
          size: layer.size,
        },
      ],
    },
    auth,
  );
  return pushed.digest;
}

/** Where the registry's filesystem driver keeps a blob's bytes. */
export function blobDataPath(storageDir: string, digest: string): string {
  const hex = digest.slice('sha256:'.length);
  return join(storageDir, 'docker', 'registry', 'v2', 'blobs', 'sha256', hex.slice(0, 2), hex, 'data');
}
