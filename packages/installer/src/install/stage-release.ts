// Unpacked releases go to versions/<v>.partial first and are renamed to
// versions/<v> only when complete and fsynced, so versions/<v> always holds a
// whole release, whatever moment the power went.
import { cpSync, mkdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { KedgeError } from '@kedge/api';
import { errnoCode, existsNoFollow, failed, fsyncDir, fsyncTree } from './durable-fs.ts';
import { versionDir, type InstallLayout } from './install-layout.ts';
import { readReleaseVersion, releaseEntry, RELEASE_ENTRIES } from './release-dir.ts';

/** copy: copy the tree (default); move: rename it in (same file system; copies otherwise); link: symlink to it (source checkouts). */
export type StageMode = 'copy' | 'move' | 'link';

export interface StagedRelease {
  readonly version: string;
  /** `<root>/versions/<version>`. */
  readonly dir: string;
  /** True when versions/<version> was already complete; the source was left as it is. */
  readonly alreadyStaged: boolean;
}

/**
 * Stages the release in `sourceDir` as versions/<version>. Idempotent: an
 * already staged version is checked and kept. The source must hold an entry
 * script, and its VERSION (if any) must be `version`; a release without one
 * gets a VERSION file written (not in link mode).
 */
export function stageRelease(
  layout: InstallLayout,
  version: string,
  sourceDir: string,
  options: { mode?: StageMode } = {},
): StagedRelease {
  const mode = options.mode ?? 'copy';
  const dir = versionDir(layout, version);
  if (existsNoFollow(dir)) {
    const staged = readReleaseVersion(dir);
    if (staged !== version) {
      throw new KedgeError(
        'KEDGE_INSTALL_INVALID',
        `${dir}: already exists but declares version ${staged ?? '(none)'}, not ${version}`,
        { file: dir, version },
      );
    }
    return { version, dir, alreadyStaged: true };
  }
  checkSource(sourceDir, version, mode);

  const partial = `${dir}.partial`;
  try {
    mkdirSync(layout.versionsDir, { recursive: true });
    rmSync(partial, { recursive: true, force: true });
    if (mode === 'link') symlinkSync(resolve(sourceDir), partial);
    else if (mode === 'move') moveOrCopy(sourceDir, partial);
    else cpSync(sourceDir, partial, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true });
    if (mode !== 'link' && readReleaseVersion(partial) === undefined) {
      writeFileSync(join(partial, 'VERSION'), `${version}\n`);
    }
    fsyncTree(partial);
    fsyncDir(layout.versionsDir);
    renameSync(partial, dir);
    fsyncDir(layout.versionsDir);
  } catch (err: unknown) {
    rmSync(partial, { recursive: true, force: true });
    throw failed(`stage ${version} from ${sourceDir}`, dir, err);
  }
  return { version, dir, alreadyStaged: false };
}

function checkSource(sourceDir: string, version: string, mode: StageMode): void {
  if (!releaseEntry(sourceDir)) {
    throw new KedgeError(
      'KEDGE_INSTALL_INVALID',
      `${sourceDir}: not an edgecore release (no ${RELEASE_ENTRIES.join(' or ')})`,
      { file: sourceDir, version },
    );
  }
  const declared = readReleaseVersion(sourceDir);
  if (declared !== undefined && declared !== version) {
    throw new KedgeError(
      'KEDGE_INSTALL_INVALID',
      `${sourceDir}: declares version ${declared} (VERSION), not the expected ${version}`,
      { file: sourceDir, version },
    );
  }
  if (declared === undefined && mode === 'link') {
    throw new KedgeError(
      'KEDGE_INSTALL_INVALID',
      `${sourceDir}: a linked release must declare its version (VERSION)`,
      {
        file: sourceDir,
        version,
      },
    );
  }
}

function moveOrCopy(from: string, to: string): void {
  try {
    renameSync(from, to);
  } catch (err: unknown) {
    if (errnoCode(err) !== 'EXDEV') throw err;
    cpSync(from, to, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true });
    rmSync(from, { recursive: true, force: true });
  }
}

/** Removes versions/<version> unless `current` points at it. */
export function removeVersion(layout: InstallLayout, version: string, currentName: string | undefined): void {
  if (version === currentName) {
    throw new KedgeError('KEDGE_INSTALL_INVALID', `version ${version}: is the current version; not removed`, {
      version,
    });
  }
  const dir = versionDir(layout, version);
  try {
    rmSync(dir, { recursive: true, force: true });
    fsyncDir(layout.versionsDir);
  } catch (err: unknown) {
    throw failed(`remove ${dir}`, dir, err);
  }
}
