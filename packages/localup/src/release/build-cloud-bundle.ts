// Builds what the cloud images hold (scripts/build-images): cloudcore and
// controllermanager bundled with esbuild as the edge release is, one ESM
// file each, beside the one package that cannot be bundled:
//   <outDir>/cloudcore.mjs, <outDir>/controllermanager.mjs
//   <outDir>/node_modules/   better-sqlite3 (native addon) and its runtime deps
//   <outDir>/VERSION         the version, one line
// An image then needs nothing but Node 24 and these files (no workspace, no
// pnpm, no compilers).
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleNodeEntries, copyRuntimePackage, prepareOutDir } from './build-release.ts';

export interface BuiltCloudBundle {
  outDir: string;
  /** Absolute paths of the bundles, by daemon. */
  bundles: { cloudcore: string; controllermanager: string };
  /** Packages copied into node_modules, e.g. `better-sqlite3@13.2.0`. */
  nativePackages: string[];
}

const ROOT = fileURLToPath(new URL('../../../..', import.meta.url));

export async function buildCloudBundle(options: {
  version: string;
  outDir: string;
}): Promise<BuiltCloudBundle> {
  const { outDir } = options;
  await prepareOutDir(outDir);
  await bundleNodeEntries(
    {
      cloudcore: join(ROOT, 'packages', 'cloudcore', 'src', 'main.ts'),
      controllermanager: join(ROOT, 'packages', 'controllermanager', 'src', 'main.ts'),
    },
    outDir,
    'build-cloud-bundle',
  );
  const nativePackages = await copyRuntimePackage(
    'better-sqlite3',
    join(ROOT, 'packages', 'store'),
    join(outDir, 'node_modules'),
  );
  await writeFile(join(outDir, 'VERSION'), `${options.version}\n`);
  return {
    outDir,
    bundles: {
      cloudcore: join(outDir, 'cloudcore.mjs'),
      controllermanager: join(outDir, 'controllermanager.mjs'),
    },
    nativePackages,
  };
}
