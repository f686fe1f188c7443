import { appendFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tempDir, type TempDir } from '@kedge/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { criLineText, streamCriLog } from './cri-log-stream.ts';

let dir: TempDir;
let path: string;
beforeEach(async () => {
  dir = await tempDir('cri-log-');
  path = join(dir.path, '0.log');
});
afterEach(async () => {
  await dir.cleanup();
});

const cri = (text: string, tag: 'F' | 'P' = 'F', stream = 'stdout'): string =>
  `2026-12-03T03:00:00.123456789Z ${stream} ${tag} ${text}\n`;

async function collect(options: { tailLines?: number; chunkBytes?: number }): Promise<string[]> {
  const chunks: string[] = [];
  await streamCriLog({
    path,
    follow: false,
    signal: new AbortController().signal,
    ...options,
    onChunk: (c) => void chunks.push(c),
  });
  return chunks;
}

describe('CRI log stream', () => {
  it('strips the CRI prefix, joins partial lines and keeps stderr lines', async () => {
    await writeFile(
      path,
      cri('hello') + cri('par', 'P') + cri('tial') + cri('oops', 'F', 'stderr') + cri('', 'F'),
    );
    expect((await collect({})).join('')).toBe('hello\npartial\noops\n\n');
    expect(criLineText('not a cri line')).toBe('not a cri line\n');
  });

  it('--tail N starts at the last N lines, 0 prints nothing, more than the file prints all', async () => {
    await writeFile(path, ['a', 'b', 'c', 'd'].map((t) => cri(t)).join(''));
    expect((await collect({ tailLines: 2 })).join('')).toBe('c\nd\n');
    expect((await collect({ tailLines: 0 })).join('')).toBe('');
    expect((await collect({ tailLines: 10 })).join('')).toBe('a\nb\nc\nd\n');
  });

  it('hands out chunks no larger than chunkBytes', async () => {
    await writeFile(path, cri('x'.repeat(100)) + cri('y'.repeat(100)));
    const chunks = await collect({ chunkBytes: 32 });
    expect(chunks.every((c) => c.length <= 32)).toBe(true);
    expect(chunks.join('')).toBe(`${'x'.repeat(100)}\n${'y'.repeat(100)}\n`);
  });

  it('follow prints lines appended later and stops when the signal aborts', async () => {
    await writeFile(path, cri('first'));
    const abort = new AbortController();
    let text = '';
    let resolveSecond: () => void = () => undefined;
    const second = new Promise<void>((r) => (resolveSecond = r));
    const done = streamCriLog({
      path,
      follow: true,
      pollMs: 20,
      signal: abort.signal,
      onChunk: (c) => {
        text += c;
        if (text.includes('second')) resolveSecond();
      },
    });
    await appendFile(path, cri('sec', 'P'));
    await appendFile(path, cri('ond'));
    await second;
    abort.abort();
    await done;
    expect(text).toBe('first\nsecond\n');
  });
});
