// Builds a runnable edgecore release directory:
//   <outDir>/edgecore.mjs    edgecore bundled with esbuild (one ESM file)
//   <outDir>/launcher.mjs    @kedge/installer's launcher, bundled the same way
//   <outDir>/node_modules/   what cannot be bundled: better-sqlite3 (native
//                            addon for this platform) and its runtime deps
//   <outDir>/VERSION         the version, one line
// The same directory is what pushRelease publishes as an OCI image and what
// the edge unpacks into <installRoot>/versions/<version>.
import { existsSync } from 'node:fs';
import { cp, mkdir, readFile, readdir, realpath, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { KedgeError } from '@kedge/api';

export interface BuildReleaseOptions {
  /** `v<major>.<minor>.<patch>[-suffix]`, as NodeUpgradeJob.spec.version. */
  version: string;
  /** Created; an earlier release there is replaced, any other non-empty directory is refused. */
  outDir: string;
}

export interface BuiltRelease {
  outDir: string;
  version: string;
  /** Absolute paths of the bundles written. */
  edgecore: string;
  launcher: string;
  /** Packages copied into node_modules, e.g. `better-sqlite3@13.2.0`. */
  nativePackages: string[];
}

const ROOT = fileURLToPath(new URL('../../../..', import.meta.url));
const EDGECORE_DIR = join(ROOT, 'packages', 'edgecore');
const LAUNCHER_MAIN = join(ROOT, 'packages', 'installer', 'src', 'launcher', 'main.ts');
/** KubeEdge v1.21.2's rule for NodeUpgradeJob versions. */
const VERSION_RE = /^v\d+\.\d+\.\d+(-[A-Za-z0-9_.]+)*$/;
/** Loaded at run time from node_modules, never bundled (native addon; optional ws speed-ups). */
const EXTERNAL = ['better-sqlite3', 'bufferutil', 'utf-8-validate'];
/** Dependencies better-sqlite3 needs only to build itself. */
const BUILD_ONLY = new Set(['prebuild-install', 'node-addon-api', 'node-gyp']);
/** CJS dependencies call require(); an ESM bundle has none unless we make one. */
const BANNER = [
  "import { createRequire as __kedgeCreateRequire } from 'node:module';",
  'const require = __kedgeCreateRequire(import.meta.url);',
].join('\n');

/**
 * Bundles each entry point into <outDir>/<name>.mjs: one ESM file for Node 24,
 * EXTERNAL left to node_modules. esbuild's warnings go to stderr under `label`.
 */
export async function bundleNodeEntries(
  entryPoints: Record<string, string>,
  outDir: string,
  label: string,
): Promise<void> {
  const result = await build({
    entryPoints,
    outdir: outDir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    external: EXTERNAL,
    banner: { js: BANNER },
    logLevel: 'silent',
  });
  for (const warning of result.warnings) process.stderr.write(`${label}: esbuild: ${warning.text}\n`);
}

export async function buildRelease(options: BuildReleaseOptions): Promise<BuiltRelease> {
  const { version, outDir } = options;
  if (!VERSION_RE.test(version)) {
    throw new KedgeError(
      'KEDGE_CLI_USAGE',
      `--version: "${version}" is not v<major>.<minor>.<patch>[-suffix]`,
      {
        fields: ['version'],
      },
    );
  }
  await prepareOutDir(outDir);
  const entryPoints: Record<string, string> = {
    edgecore: join(EDGECORE_DIR, 'src', 'main.ts'),
    launcher: LAUNCHER_MAIN,
  };

  await bundleNodeEntries(entryPoints, outDir, 'build-release');

  const nativePackages = await copyRuntimePackage(
    'better-sqlite3',
    EDGECORE_DIR,
    join(outDir, 'node_modules'),
  );
  await writeFile(join(outDir, 'VERSION'), `${version}\n`);
  return {
    outDir,
    version,
    edgecore: join(outDir, 'edgecore.mjs'),
    launcher: join(outDir, 'launcher.mjs'),
    nativePackages,
  };
}

export async function prepareOutDir(outDir: string): Promise<void> {
  if (existsSync(outDir)) {
    const entries = await readdir(outDir);
    if (entries.length > 0 && !entries.includes('VERSION')) {
      throw new KedgeError(
        'KEDGE_CLI_USAGE',
        `--out: ${outDir} is not empty and holds no release; refusing to replace it`,
        {
          file: outDir,
        },
      );
    }
    await rm(outDir, { recursive: true, force: true });
  }
  await mkdir(outDir, { recursive: true });
}

interface PackageJson {
  name: string;
  version: string;
  dependencies?: Record<string, string>;
}

/**
 * Copies `name` (resolved from `fromDir`, as node would) into `nodeModules`
 * with its runtime dependencies, flat. For better-sqlite3 only what runs is
 * copied: lib/, and the addon built for this machine (build/Release) or the
 * prebuilt one for this platform; never its C sources.
 */
export async function copyRuntimePackage(
  name: string,
  fromDir: string,
  nodeModules: string,
  seen = new Set<string>(),
): Promise<string[]> {
  if (seen.has(name) || BUILD_ONLY.has(name)) return [];
  seen.add(name);
  let manifestPath: string;
  try {
    manifestPath = await realpath(
      createRequire(join(fromDir, 'package.json')).resolve(`${name}/package.json`),
    );
  } catch (err: unknown) {
    throw new KedgeError(
      'KEDGE_INTERNAL',
      `build-release: cannot find ${name} from ${fromDir}; run pnpm install`,
      {},
      {
        cause: err,
      },
    );
  }
  const pkgDir = dirname(manifestPath);
  const pkg = JSON.parse(await readFile(manifestPath, 'utf8')) as PackageJson;
  const target = join(nodeModules, name);
  await mkdir(target, { recursive: true });
  if (name === 'better-sqlite3') {
    await copyBetterSqlite(pkgDir, target);
  } else {
    await cp(pkgDir, target, {
      recursive: true,
      dereference: true,
      filter: (src) => !src.slice(pkgDir.length).includes('node_modules'),
    });
  }
  const copied = [`${name}@${pkg.version}`];
  for (const dep of Object.keys(pkg.dependencies ?? {})) {
    copied.push(...(await copyRuntimePackage(dep, pkgDir, nodeModules, seen)));
  }
  return copied;
}

async function copyBetterSqlite(pkgDir: string, target: string): Promise<void> {
  for (const file of ['package.json', 'LICENSE', 'lib']) {
    if (existsSync(join(pkgDir, file))) await cp(join(pkgDir, file), join(target, file), { recursive: true });
  }
  const built = join('build', 'Release', 'better_sqlite3.node');
  // better-sqlite3 13 picks prebuilds/<linux|linuxmusl|...>-<arch>.node; 12 loads build/Release.
  const prebuilds = existsSync(join(pkgDir, 'prebuilds'))
    ? (await readdir(join(pkgDir, 'prebuilds'))).filter(
        (f) => f.endsWith(`-${process.arch}.node`) && f.startsWith(process.platform),
      )
    : [];
  const addons = [
    ...(existsSync(join(pkgDir, built)) ? [built] : []),
    ...prebuilds.map((f) => join('prebuilds', f)),
  ];
  if (addons.length === 0) {
    throw new KedgeError(
      'KEDGE_INTERNAL',
      `build-release: ${pkgDir} has no native addon for ${process.platform}-${process.arch}`,
      {
        file: pkgDir,
      },
    );
  }
  for (const addon of addons) {
    await mkdir(dirname(join(target, addon)), { recursive: true });
    await cp(join(pkgDir, addon), join(target, addon));
  }
}
