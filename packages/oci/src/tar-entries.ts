// Lists the entries of a tar archive (optionally gzip-compressed) without
// extracting anything: ustar/GNU headers, GNU long names and pax path/size
// records. Used to check a layer before the system tar unpacks it.
import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';

export interface TarEntry {
  /** The name as stored (after long-name and pax records were applied). */
  path: string;
  /** The ustar type flag: '0' file, '1' hard link, '2' symlink, '5' directory, ... */
  type: string;
  /** Link target of a hard link or symlink. */
  linkTarget: string;
  size: number;
}

class TarFormatError extends Error {
  override name = 'TarFormatError';
}

const BLOCK = 512;
/** Long names and pax records are small; anything bigger is not a header we trust. */
const MAX_META_BYTES = 1024 * 1024;

/** Pulls exact byte counts out of a stream of chunks. */
class ByteReader {
  readonly #iterator: AsyncIterator<Buffer>;
  #buffer: Buffer = Buffer.alloc(0);

  constructor(source: AsyncIterable<Buffer>) {
    this.#iterator = source[Symbol.asyncIterator]();
  }

  /** Exactly n bytes, or null at a clean end of stream; a short read is an error. */
  async read(n: number): Promise<Buffer | null> {
    while (this.#buffer.length < n) {
      const next = await this.#iterator.next();
      if (next.done) {
        if (this.#buffer.length === 0) return null;
        throw new TarFormatError(`archive ends in the middle of a ${n}-byte record`);
      }
      this.#buffer = this.#buffer.length === 0 ? next.value : Buffer.concat([this.#buffer, next.value]);
    }
    const out = this.#buffer.subarray(0, n);
    this.#buffer = this.#buffer.subarray(n);
    return out;
  }

  async skip(n: number): Promise<void> {
    let left = n;
    while (left > 0) {
      if (this.#buffer.length === 0) {
        const next = await this.#iterator.next();
        if (next.done) throw new TarFormatError('archive ends inside an entry');
        this.#buffer = next.value;
      }
      const take = Math.min(left, this.#buffer.length);
      this.#buffer = this.#buffer.subarray(take);
      left -= take;
    }
  }
}

function text(block: Buffer, start: number, length: number): string {
  const field = block.subarray(start, start + length);
  const end = field.indexOf(0);
  return field.subarray(0, end < 0 ? field.length : end).toString('utf8');
}

function numeric(block: Buffer, start: number, length: number): number {
  const field = block.subarray(start, start + length);
  if (((field[0] ?? 0) & 0x80) !== 0) {
    // GNU base-256: big-endian two's complement with the top bit as marker.
    let value = 0;
    for (let i = 1; i < field.length; i++) value = value * 256 + (field[i] ?? 0);
    return value;
  }
  const digits = text(block, start, length).trim();
  if (digits === '') return 0;
  if (!/^[0-7]+$/.test(digits)) throw new TarFormatError(`bad octal field ${JSON.stringify(digits)}`);
  return parseInt(digits, 8);
}

function checksumOk(block: Buffer): boolean {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : (block[i] ?? 0);
  try {
    return sum === numeric(block, 148, 8);
  } catch {
    return false; // an unreadable checksum field is a bad checksum
  }
}

/** `len key=value\n` records of a pax header. */
function paxRecords(data: Buffer): Map<string, string> {
  const records = new Map<string, string>();
  let pos = 0;
  while (pos < data.length) {
    const space = data.indexOf(0x20, pos);
    const length = space < 0 ? NaN : parseInt(data.subarray(pos, space).toString('ascii'), 10);
    if (!Number.isFinite(length) || length <= 0 || pos + length > data.length) {
      throw new TarFormatError('malformed pax record');
    }
    const record = data.subarray(space + 1, pos + length - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (eq > 0) records.set(record.slice(0, eq), record.slice(eq + 1));
    pos += length;
  }
  return records;
}

/** `onEntry` sees each entry as it is read and may throw to stop reading (a size budget, say). */
export async function listTarEntries(
  file: string,
  options: { gzip: boolean; onEntry?: (entry: TarEntry) => void },
): Promise<TarEntry[]> {
  const raw = createReadStream(file);
  const stream = options.gzip ? raw.pipe(createGunzip()) : raw;
  raw.on('error', (err) => stream.destroy(err));
  const reader = new ByteReader(stream as AsyncIterable<Buffer>);
  const entries: TarEntry[] = [];
  let longName: string | undefined;
  let longLink: string | undefined;
  let pax = new Map<string, string>();
  try {
    for (;;) {
      const block = await reader.read(BLOCK);
      if (block === null || block.every((b) => b === 0)) break;
      if (!checksumOk(block)) throw new TarFormatError(`header ${entries.length + 1} has a bad checksum`);
      const type = String.fromCharCode(block[156] ?? 0).replace('\0', '0');
      const size = numeric(block, 124, 12);
      const padded = Math.ceil(size / BLOCK) * BLOCK;
      if (type === 'L' || type === 'K' || type === 'x' || type === 'g') {
        if (size > MAX_META_BYTES) throw new TarFormatError(`a ${type} header of ${size} bytes is too large`);
        const data = (await reader.read(padded)) ?? Buffer.alloc(0);
        const body = data.subarray(0, size);
        if (type === 'L') longName = text(body, 0, body.length);
        else if (type === 'K') longLink = text(body, 0, body.length);
        else if (type === 'x') pax = paxRecords(body);
        continue; // 'g' (global pax) holds no path we act on
      }
      const magic = block.subarray(257, 263).toString('latin1');
      const prefix = magic === 'ustar\0' ? text(block, 345, 155) : '';
      const stored = prefix ? `${prefix}/${text(block, 0, 100)}` : text(block, 0, 100);
      const paxSize = pax.get('size');
      const entrySize = paxSize === undefined ? size : Number(paxSize);
      const entry = {
        path: pax.get('path') ?? longName ?? stored,
        type,
        linkTarget: pax.get('linkpath') ?? longLink ?? text(block, 157, 100),
        size: entrySize,
      };
      options.onEntry?.(entry);
      entries.push(entry);
      longName = undefined;
      longLink = undefined;
      pax = new Map();
      await reader.skip(Math.ceil(entrySize / BLOCK) * BLOCK);
    }
  } finally {
    raw.destroy();
    stream.destroy();
  }
  return entries;
}
