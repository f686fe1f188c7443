// Writes every generated file under configs/ (CRDs, reference configs).
import { generatedFiles } from './generated-files.ts';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

for (const file of await generatedFiles()) {
  mkdirSync(dirname(file.path), { recursive: true });
  writeFileSync(file.path, file.content);
  console.log(`wrote ${file.path}`);
}
