// The list of files under configs/ that are generated from code.
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { renderCrds } from '@kedge/api';
import { generatedConfigs } from './generated-configs.ts';

export interface GeneratedFile {
  path: string;
  content: string;
}

const root = fileURLToPath(new URL('..', import.meta.url));

export async function generatedFiles(): Promise<GeneratedFile[]> {
  // One CRD per served custom kind: configs/crds/<group>_<plural>.yaml.
  const crds = renderCrds().map((crd) => ({
    path: join(root, 'configs', 'crds', crd.fileName),
    content: crd.yaml,
  }));
  return [...crds, ...generatedConfigs(root)];
}
