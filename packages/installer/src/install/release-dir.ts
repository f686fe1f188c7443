// What a release directory holds and which version `current` points at.
// A release is either a bundle (`edgecore.mjs` + VERSION + node_modules, from
// scripts/build-release.ts) or a source tree (`packages/edgecore/src/main.ts`,
// version from VERSION, else packages/edgecore/package.json).
import { existsSync, readFileSync, readlinkSync } from 'node:fs';
import { basename, join } from 'node:path';
import { KedgeError } from '@kedge/api';
import { errnoCode, failed } from './durable-fs.ts';
import type { InstallLayout } from './install-layout.ts';

/** Entry scripts, in the order the launcher looks for them. */
export const RELEASE_ENTRIES = ['edgecore.mjs', 'packages/edgecore/src/main.ts'] as const;

/** The script that starts edgecore in `dir`, or undefined when it has none. */
export function releaseEntry(dir: string): string | undefined {
  for (const rel of RELEASE_ENTRIES) {
    const file = join(dir, rel);
    if (existsSync(file)) return file;
  }
  return undefined;
}

/** The version a release directory declares, or undefined when it declares none. */
export function readReleaseVersion(dir: string): string | undefined {
  const fromFile = readTrimmed(join(dir, 'VERSION'));
  if (fromFile !== undefined) return fromFile;
  const pkg = readTrimmed(join(dir, 'packages', 'edgecore', 'package.json'));
  if (pkg === undefined) return undefined;
  try {
    const version = (JSON.parse(pkg) as { version?: unknown }).version;
    return typeof version === 'string' && version ? `v${version}` : undefined;
  } catch {
    throw new KedgeError(
      'KEDGE_INSTALL_INVALID',
      `${join(dir, 'packages/edgecore/package.json')}: not valid JSON`,
      {
        file: join(dir, 'packages/edgecore/package.json'),
      },
    );
  }
}

/** The directory name `current` points at (`versions/<name>`), or undefined when there is no `current`. */
export function currentVersion(layout: InstallLayout): string | undefined {
  try {
    return basename(readlinkSync(layout.current));
  } catch (err: unknown) {
    if (errnoCode(err) === 'ENOENT') return undefined;
    if (errnoCode(err) === 'EINVAL') {
      throw new KedgeError('KEDGE_INSTALL_INVALID', `${layout.current}: is not a symlink`, {
        file: layout.current,
      });
    }
    throw failed(`readlink ${layout.current}`, layout.current, err);
  }
}

/** The VERSION of the release `current` points at, or undefined when nothing is installed. */
export function readInstalledVersion(layout: InstallLayout): string | undefined {
  if (currentVersion(layout) === undefined) return undefined;
  return readReleaseVersion(layout.current);
}

function readTrimmed(file: string): string | undefined {
  try {
    const text = readFileSync(file, 'utf8').trim();
    return text || undefined;
  } catch (err: unknown) {
    if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') return undefined;
    throw failed(`read ${file}`, file, err);
  }
}
