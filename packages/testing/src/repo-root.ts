// The kedge checkout this file lives in: the nearest ancestor directory that
// holds pnpm-workspace.yaml.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function repoRoot(): string {
  const start = dirname(fileURLToPath(import.meta.url));
  let dir = start;
  for (;;) {
    if (existsSync(join(dir, 'pnpm-workspace.yaml'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`repoRoot: no pnpm-workspace.yaml above ${start}`);
    dir = parent;
  }
}
