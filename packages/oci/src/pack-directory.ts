// Packs a directory into one tar+gzip layer, deterministically: entries sorted
// by name, every mtime 0, owner and group 0, GNU format (no pax headers with
// pids or atimes), gzip without a timestamp. The same tree gives the same
// bytes, hence the same digest, wherever and whenever it is packed.
import { createWriteStream } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { KedgeError } from '@kedge/api';
import { Digester } from './digest.ts';
import { runTar } from './run-tar.ts';

export interface PackedLayer {
  file: string;
  /** Digest of the compressed layer (what the manifest names). */
  digest: string;
  size: number;
  /** Digest of the uncompressed tar (the image config's rootfs.diff_ids). */
  diffId: string;
}

function hashing(digester: Digester): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      digester.update(chunk);
      callback(null, chunk);
    },
  });
}

export async function packDirectory(
  dir: string,
  outFile: string,
  options: { signal?: AbortSignal } = {},
): Promise<PackedLayer> {
  const names = (await readdir(dir)).sort();
  if (names.length === 0) {
    throw new KedgeError('KEDGE_OCI_UNPACK_FAILED', `${dir} is empty: nothing to pack`, { file: dir });
  }
  const run = runTar(
    [
      '--create',
      '--file=-',
      '--format=gnu',
      '--sort=name',
      '--mtime=@0',
      '--owner=0',
      '--group=0',
      '--numeric-owner',
      `--directory=${dir}`,
      '--null',
      '--verbatim-files-from',
      '--files-from=-',
    ],
    {
      what: `packing ${dir}`,
      input: names.map((n) => `${n}\0`).join(''),
      stdout: 'pipe',
      ...(options.signal ? { signal: options.signal } : {}),
    },
  );
  if (!run.stdout) throw new KedgeError('KEDGE_INTERNAL', `packing ${dir}: tar has no stdout pipe`);
  const tarDigest = new Digester();
  const gzDigest = new Digester();
  await Promise.all([
    pipeline(
      run.stdout,
      hashing(tarDigest),
      createGzip({ level: 9 }),
      hashing(gzDigest),
      createWriteStream(outFile),
      { signal: options.signal },
    ),
    run.done,
  ]);
  return { file: outFile, digest: gzDigest.digest(), size: gzDigest.size, diffId: tarDigest.digest() };
}
