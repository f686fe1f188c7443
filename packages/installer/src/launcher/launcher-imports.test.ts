// The launcher runs before any version is trusted and is bundled on its own
// (launcher.mjs, without node_modules): it may import only node: builtins,
// @kedge/api, @kedge/runtime and their pure-JS dependencies - never the
// native better-sqlite3, ws or the rest of edgecore.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ALLOWED = new Set(['@kedge/api', '@kedge/runtime', 'zod', 'pino']);
const IMPORT = /^\s*(?:import|export)\s[^'"]*?from\s+'([^']+)'|^\s*import\s+'([^']+)'/gm;

function importGraph(entry: string): { files: string[]; packages: Set<string> } {
  const files: string[] = [];
  const packages = new Set<string>();
  const todo = [entry];
  while (todo.length) {
    const file = todo.pop()!;
    if (files.includes(file)) continue;
    files.push(file);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(IMPORT)) {
      const spec = m[1] ?? m[2]!;
      const typeOnly = /^\s*(?:import|export)\s+type\s/.test(m[0]);
      if (spec.startsWith('.')) {
        if (!typeOnly) todo.push(resolve(dirname(file), spec));
      } else if (!spec.startsWith('node:') && !typeOnly) packages.add(spec);
    }
  }
  return { files, packages };
}

describe('launcher imports', () => {
  it('reach only builtins, @kedge/api, @kedge/runtime and the install files it needs', () => {
    const entry = fileURLToPath(new URL('./main.ts', import.meta.url));
    const { files, packages } = importGraph(entry);
    expect([...packages].filter((p) => !ALLOWED.has(p))).toEqual([]);
    const names = files.map((f) => f.slice(resolve(dirname(entry), '..').length + 1)).sort();
    expect(names.filter((n) => !n.startsWith('install/') && !n.startsWith('launcher/'))).toEqual([]);
    expect(names).not.toContain('install/backup.ts');
    expect(names).not.toContain('install/restore.ts');
    expect(names).not.toContain('install/index.ts');
    expect(names).toContain('install/boot-state.ts');
  });
});
