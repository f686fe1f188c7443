// Flushes a freshly unpacked tree to disk before it is renamed into place, so
// that after a power loss the renamed directory is complete, not just named.
import { open, readdir } from 'node:fs/promises';
import { join } from 'node:path';

export async function fsyncPath(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** fsync every regular file and directory under `dir` (depth first), then `dir` itself. */
export async function fsyncTree(dir: string): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await fsyncTree(path);
    else if (entry.isFile()) await fsyncPath(path);
  }
  await fsyncPath(dir);
}
