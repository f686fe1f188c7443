// Release trees for the integration tests, a way to compare two trees byte
// for byte, and a way to push an image whose one layer is a given file.
import { chmod, lstat, mkdir, readFile, readdir, readlink, symlink, writeFile } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
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

/**
 * A gzip-compressed tar holding `files` files of `bytesEach` zero bytes: a few hundred
 * kilobytes that unpack to files x bytesEach (a gzip bomb).
 */
export async function writeGzipBomb(file: string, bytesEach: number, files = 1): Promise<void> {
  async function* tar(): AsyncGenerator<Buffer> {
    const zeros = Buffer.alloc(1024 * 1024);
    for (let i = 0; i < files; i++) {
      yield ustarHeader(`zeros-${i}.bin`, bytesEach);
      for (let left = bytesEach; left > 0; left -= zeros.length)
        yield zeros.subarray(0, Math.min(left, zeros.length));
      if (bytesEach % 512 !== 0) yield Buffer.alloc(512 - (bytesEach % 512));
    }
    yield Buffer.alloc(1024);
  }
  await pipeline(Readable.from(tar()), createGzip({ level: 1 }), createWriteStream(file));
}

function ustarHeader(name: string, size: number): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 100, 'utf8');
  h.write('0000644\0', 100, 'ascii');
  h.write('0000000\0', 108, 'ascii');
  h.write('0000000\0', 116, 'ascii');
  h.write(`${size.toString(8).padStart(11, '0')}\0`, 124, 'ascii');
  h.write('00000000000\0', 136, 'ascii');
  h.write('        ', 148, 'ascii');
  h.write('0', 156, 'ascii');
  h.write('ustar\0', 257, 'latin1');
  h.write('00', 263, 'ascii');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return h;
}
