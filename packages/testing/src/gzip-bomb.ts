// A gzip bomb for the tests that check unpack limits: a few hundred kilobytes
// of tar+gzip that unpack to far more.
import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';

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
