// keadm edge install: bootstraps an install root (for the demo, e2e and a
// first install): stages a release, puts the launcher in <root>/launcher/
// (it is not replaced by upgrades) and points `current` at the release.
import { existsSync, mkdirSync, readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { KedgeError } from '@kedge/api';
import {
  assertVersionName,
  currentVersion,
  readReleaseVersion,
  stageRelease,
  switchCurrent,
  writeFileDurable,
  type InstallLayout,
} from '@kedge/installer';
import { parseImageRef } from '@kedge/oci';
import { EDGE_TARGET_OPTIONS, EDGE_TARGET_USAGE, edgeTarget, withInstallLock } from './edge-target.ts';
import { fetchRelease, isLocalRelease } from './fetch-release.ts';
import { parseCommandArgs, usageError, type KeadmIo } from './keadm-io.ts';

const EDGE_INSTALL_USAGE = `usage: keadm edge install --release DIR|IMAGE [--version V] [--link] [--image-digest D]
                          [--insecure] [--root DIR] [--config FILE]
Creates the install layout under --root, stages the release, installs the
launcher in <root>/launcher/ and points <root>/current at the release.
  --release DIR|IMAGE  a release directory (scripts/build-release.ts output, or a
                       source checkout with --link) or an image reference
  --version V          the release's version (default: its VERSION file, or the image tag)
  --link               stage a directory as a symlink instead of a copy (source checkouts)
  --image-digest D     the manifest digest the image must have
  --insecure           plain HTTP to the registry
${EDGE_TARGET_USAGE}
`;

const OPTIONS = {
  ...EDGE_TARGET_OPTIONS,
  release: { type: 'string' },
  version: { type: 'string' },
  link: { type: 'boolean' },
  'image-digest': { type: 'string' },
  insecure: { type: 'boolean' },
} as const;

const SOURCE_LAUNCHER = 'packages/installer/src/launcher/main.ts';

/** `startHint: false` (keadm join, which starts the unit itself) leaves out the "start it with" line. */
export async function runEdgeInstall(
  argv: readonly string[],
  io: KeadmIo,
  options: { startHint?: boolean } = {},
): Promise<number> {
  const { values } = parseCommandArgs(argv, OPTIONS, EDGE_INSTALL_USAGE);
  if (values.help) {
    io.stdout.write(EDGE_INSTALL_USAGE);
    return 0;
  }
  const source = values.release;
  if (!source) throw usageError('--release: required', EDGE_INSTALL_USAGE);
  const local = isLocalRelease(source);
  if (values.link && !local)
    throw usageError(`--link: ${source} is not a local directory`, EDGE_INSTALL_USAGE);
  const version = values.version ?? (local ? readReleaseVersion(source) : parseImageRef(source).tag);
  if (!version) throw usageError(`--version: required (${source} declares no version)`, EDGE_INSTALL_USAGE);
  assertVersionName(version, '--version');
  const { layout, configFile } = edgeTarget(values, io);
  for (const dir of [layout.versionsDir, layout.stateDir, layout.backupDir, layout.launcherDir]) {
    mkdirSync(dir, { recursive: true });
  }

  return withInstallLock(layout, 'keadm edge install', async () => {
    const cur = currentVersion(layout);
    if (cur !== undefined && cur !== version) {
      throw new KedgeError(
        'KEDGE_INSTALL_INVALID',
        `--root: ${layout.root} already runs ${cur}; use keadm edge upgrade --toVersion ${version}`,
        { file: layout.current },
      );
    }
    const release = await fetchRelease(
      layout,
      source,
      version,
      { digest: values['image-digest'], insecure: values.insecure },
      io,
    );
    let staged;
    try {
      staged = stageRelease(layout, version, release.dir, { mode: values.link ? 'link' : release.mode });
    } finally {
      release.cleanup();
    }
    installLauncher(layout, staged.dir, local ? source : undefined);
    if (cur === undefined) switchCurrent(layout, version);
    io.stdout.write(`installed ${version} in ${staged.dir}; ${layout.current} -> versions/${version}\n`);
    if (options.startHint !== false) {
      io.stdout.write(
        `start it with: node ${layout.launcherScript} --root ${layout.root} --config ${configFile}\n`,
      );
    }
    return 0;
  });
}

/** Copies the release's launcher.mjs, or for a source checkout writes one that loads the checkout's launcher. */
function installLauncher(layout: InstallLayout, releaseDir: string, sourceDir: string | undefined): void {
  const bundled = join(releaseDir, 'launcher.mjs');
  if (existsSync(bundled)) {
    writeFileDurable(layout.launcherScript, readFileSync(bundled), 0o755);
    return;
  }
  const checkout = sourceDir ?? releaseDir;
  if (existsSync(join(checkout, SOURCE_LAUNCHER))) {
    const target = pathToFileURL(join(realpathSync(checkout), SOURCE_LAUNCHER)).href;
    writeFileDurable(
      layout.launcherScript,
      `// Written by keadm edge install for a source checkout: runs its launcher.\nawait import(${JSON.stringify(target)});\n`,
      0o755,
    );
    return;
  }
  throw new KedgeError(
    'KEDGE_INSTALL_INVALID',
    `--release: ${releaseDir} has no launcher.mjs (nor ${SOURCE_LAUNCHER})`,
    {
      file: releaseDir,
    },
  );
}
