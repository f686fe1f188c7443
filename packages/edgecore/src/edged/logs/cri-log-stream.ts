// Streams one container's CRI log file as the text the container wrote:
// each `<RFC3339Nano> <stream> <P|F> <text>` line loses its prefix (a P
// line is a partial one: no newline is added), `tailLines` starts at the
// last N lines, and `follow` keeps polling for appended data until the
// signal aborts. The caller gets bounded chunks and is awaited between them,
// so a slow reader slows the file reading instead of growing a buffer.
import { open, stat, type FileHandle } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import { systemClock, type Clock } from '@kedge/runtime';

export interface CriLogStreamOptions {
  path: string;
  /** Only the last N lines; undefined: the whole file. */
  tailLines?: number;
  follow: boolean;
  signal: AbortSignal;
  /** Largest chunk handed to `onChunk`, in characters (default 16 Ki). */
  chunkBytes?: number;
  /** How often a followed file is checked for new data (default 250 ms). */
  pollMs?: number;
  /** Time source for the follow polling (default systemClock). */
  clock?: Clock;
  onChunk(text: string): Promise<void> | void;
}

const READ_BLOCK = 64 * 1024;
const CRI_LINE = /^\S+ (stdout|stderr) ([PF])(?: (.*))?$/;

/** The container's text of one CRI log line (without the line's own newline). */
export function criLineText(line: string): string {
  const m = CRI_LINE.exec(line);
  if (!m) return `${line}\n`; // not CRI: pass through as written
  return m[2] === 'P' ? (m[3] ?? '') : `${m[3] ?? ''}\n`;
}

/** Byte offset where the last `lines` complete lines of the file start. */
async function tailOffset(file: FileHandle, size: number, lines: number): Promise<number> {
  if (lines <= 0) return size;
  let end = size;
  let newlines = 0;
  const block = Buffer.alloc(READ_BLOCK);
  while (end > 0) {
    const start = Math.max(0, end - READ_BLOCK);
    const { bytesRead } = await file.read(block, 0, end - start, start);
    for (let i = bytesRead - 1; i >= 0; i--) {
      if (block[i] !== 0x0a) continue;
      // the file's final newline ends the last line, it does not start one
      if (start + i === size - 1) continue;
      if (++newlines === lines) return start + i + 1;
    }
    end = start;
  }
  return 0;
}

export async function streamCriLog(options: CriLogStreamOptions): Promise<void> {
  const chunkBytes = options.chunkBytes ?? 16 * 1024;
  const pollMs = options.pollMs ?? 250;
  const file = await open(options.path, 'r');
  try {
    const size = (await file.stat()).size;
    let offset = options.tailLines === undefined ? 0 : await tailOffset(file, size, options.tailLines);
    let pending = ''; // an incomplete last line, waiting for its newline
    let out = '';
    const flush = async (all: boolean): Promise<void> => {
      while (out.length >= chunkBytes || (all && out.length > 0)) {
        const piece = out.slice(0, chunkBytes);
        out = out.slice(chunkBytes);
        await options.onChunk(piece);
      }
    };
    const block = Buffer.alloc(READ_BLOCK);
    const decoder = new StringDecoder('utf8'); // keeps a character split across reads whole
    while (!options.signal.aborted) {
      const { bytesRead } = await file.read(block, 0, READ_BLOCK, offset);
      if (bytesRead > 0) {
        offset += bytesRead;
        const lines = (pending + decoder.write(block.subarray(0, bytesRead))).split('\n');
        pending = lines.pop() ?? '';
        for (const line of lines) {
          out += criLineText(line);
          await flush(false);
        }
        continue;
      }
      await flush(true);
      if (!options.follow) break;
      if ((await stat(options.path)).size < offset) offset = 0; // truncated: start over
      await (options.clock ?? systemClock).sleep(pollMs, options.signal).catch(() => undefined);
    }
    if (!options.follow && pending) out += criLineText(pending);
    await flush(true);
  } finally {
    await file.close();
  }
}
