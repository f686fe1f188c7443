// Fails when a generated file under configs/ differs from what the code
// generates now (CRDs, reference configs). Run `node scripts/generate.ts` to fix.
import { generatedFiles } from './generated-files.ts';
import { readFileSync } from 'node:fs';

let stale = 0;
for (const file of await generatedFiles()) {
  let current = '';
  try {
    current = readFileSync(file.path, 'utf8');
  } catch {
    /* missing counts as stale */
  }
  if (current !== file.content) {
    stale++;
    console.error(`stale generated file: ${file.path} (run: node scripts/generate.ts)`);
  }
}
process.exit(stale ? 1 : 0);
