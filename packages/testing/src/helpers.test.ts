import { existsSync } from 'node:fs';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { hasCode } from '@kedge/api';
import { describe, expect, it } from 'vitest';
import { freePort, repoRoot, tempDir, waitFor } from './index.ts';

describe('freePort', () => {
  it('returns a loopback port that can be listened on', async () => {
    const port = await freePort();
    expect(port).toBeGreaterThan(0);
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', resolve);
    });
    await new Promise((resolve) => server.close(resolve));
  });
});

describe('tempDir', () => {
  it('creates a directory with the prefix and cleanup() removes it with its contents', async () => {
    const dir = await tempDir('kedge-tt-');
    expect(dir.path).toMatch(/kedge-tt-/);
    await writeFile(join(dir.path, 'f.txt'), 'x');
    expect((await stat(dir.path)).isDirectory()).toBe(true);
    await dir.cleanup();
    expect(existsSync(dir.path)).toBe(false);
  });

  it('is removed at the end of an `await using` block', async () => {
    let path = '';
    {
      await using dir = await tempDir();
      path = dir.path;
      await writeFile(join(path, 'f.txt'), 'x');
    }
    expect(path).not.toBe('');
    expect(existsSync(path)).toBe(false);
  });
});

describe('repoRoot', () => {
  it('finds the workspace root', async () => {
    const root = repoRoot();
    expect(await readFile(join(root, 'pnpm-workspace.yaml'), 'utf8')).toContain('packages');
    expect(existsSync(join(root, 'packages', 'testing', 'package.json'))).toBe(true);
  });
});

describe('waitFor', () => {
  it('polls until the function returns a truthy value and returns it', async () => {
    let calls = 0;
    const value = await waitFor(() => (++calls >= 3 ? { calls } : undefined), { intervalMs: 5 });
    expect(value).toEqual({ calls: 3 });
  });

  it('treats a throw as "not yet"', async () => {
    let calls = 0;
    const value = await waitFor(
      async () => {
        calls++;
        if (calls < 3) throw new Error('not ready');
        return 'ok';
      },
      { intervalMs: 5 },
    );
    expect(value).toBe('ok');
  });

  it('times out with an error that says what it waited for and the last failure', async () => {
    const err: unknown = await waitFor(
      () => {
        throw new Error('socket refused');
      },
      { timeoutMs: 100, intervalMs: 10, what: 'cloudcore to listen' },
    ).catch((e: unknown) => e);
    expect(hasCode(err, 'KEDGE_TEST_TIMEOUT')).toBe(true);
    expect((err as Error).message).toMatch(
      /100 ms waiting for cloudcore to listen \(last error: socket refused\)/,
    );
  });
});
