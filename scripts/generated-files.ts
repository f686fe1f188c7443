// The list of files under configs/ that are generated from code.
import { fileURLToPath } from 'node:url';

export interface GeneratedFile {
  path: string;
  content: string;
}

const root = fileURLToPath(new URL('..', import.meta.url));

export async function generatedFiles(): Promise<GeneratedFile[]> {
  void root;
  return [];
}
