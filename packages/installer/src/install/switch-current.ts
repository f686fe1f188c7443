// Switching versions: a new symlink is made at current.tmp and renamed over
// `current` (rename(2) replaces it atomically), then the root is fsynced.
import { renameSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { KedgeError } from '@kedge/api';
import { existsNoFollow, failed, fsyncDir } from './durable-fs.ts';
import { versionDir, type InstallLayout } from './install-layout.ts';
import { readReleaseVersion, releaseEntry } from './release-dir.ts';

/** Points `current` at versions/<version>, which must be a complete staged release. */
export function switchCurrent(layout: InstallLayout, version: string): void {
  const dir = versionDir(layout, version);
  if (!existsNoFollow(dir)) {
    throw new KedgeError('KEDGE_INSTALL_INVALID', `version ${version}: not staged (${dir} does not exist)`, {
      file: dir,
      version,
    });
  }
  const declared = readReleaseVersion(dir);
  if (declared !== version || !releaseEntry(dir)) {
    throw new KedgeError(
      'KEDGE_INSTALL_INVALID',
      `version ${version}: ${dir} is not a complete release (declares ${declared ?? 'no version'})`,
      { file: dir, version },
    );
  }
  try {
    rmSync(layout.currentTmp, { force: true });
    symlinkSync(join('versions', version), layout.currentTmp);
    renameSync(layout.currentTmp, layout.current);
  } catch (err: unknown) {
    rmSync(layout.currentTmp, { force: true });
    throw failed(`switch ${layout.current} to ${version}`, layout.current, err);
  }
  fsyncDir(layout.root);
}
