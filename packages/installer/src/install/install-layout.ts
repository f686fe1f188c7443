// The paths of an edge install root (docs/node-tasks.md, "install layout"):
// the stable launcher, unpacked releases, the `current` symlink, markers,
// the lock, backups and the keadm report file. Pure: creates nothing.
import { join, resolve } from 'node:path';
import { KedgeError } from '@kedge/api';

/** Where edgecore is installed unless KEDGE_INSTALL_ROOT says otherwise. */
export const DEFAULT_INSTALL_ROOT = '/usr/local/lib/kedge';

/** Env var naming the install root; the launcher sets it for edgecore. */
export const INSTALL_ROOT_ENV = 'KEDGE_INSTALL_ROOT';

export interface InstallLayout {
  /** Absolute install root. */
  readonly root: string;
  /** `<root>/launcher`: the launcher, not replaced by upgrades. */
  readonly launcherDir: string;
  /** `<root>/launcher/launcher.mjs`. */
  readonly launcherScript: string;
  /** `<root>/versions`: one directory per unpacked release. */
  readonly versionsDir: string;
  /** `<root>/current`: symlink to `versions/<version>`. */
  readonly current: string;
  /** `<root>/current.tmp`: the new symlink before it is renamed over `current`. */
  readonly currentTmp: string;
  /** `<root>/state`. */
  readonly stateDir: string;
  /** `<root>/state/upgrade.json`. */
  readonly upgradeMarker: string;
  /** `<root>/state/config-update.json`. */
  readonly configUpdateMarker: string;
  /** `<root>/state/lock`: held by whoever changes the install. */
  readonly lockFile: string;
  /** `<root>/state/edgecore.pid`: written by a running edgecore. */
  readonly pidFile: string;
  /** `<root>/backup`. */
  readonly backupDir: string;
  /** `<root>/upgrade_report.json`: keadm edge commands' result. */
  readonly reportFile: string;
}

export function installLayout(root: string): InstallLayout {
  if (!root)
    throw new KedgeError('KEDGE_INSTALL_INVALID', 'install root: must not be empty', { fields: ['root'] });
  const abs = resolve(root);
  const state = join(abs, 'state');
  return Object.freeze({
    root: abs,
    launcherDir: join(abs, 'launcher'),
    launcherScript: join(abs, 'launcher', 'launcher.mjs'),
    versionsDir: join(abs, 'versions'),
    current: join(abs, 'current'),
    currentTmp: join(abs, 'current.tmp'),
    stateDir: state,
    upgradeMarker: join(state, 'upgrade.json'),
    configUpdateMarker: join(state, 'config-update.json'),
    lockFile: join(state, 'lock'),
    pidFile: join(state, 'edgecore.pid'),
    backupDir: join(abs, 'backup'),
    reportFile: join(abs, 'upgrade_report.json'),
  });
}

const VERSION_NAME = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$/;

/** Throws KEDGE_INSTALL_INVALID unless `version` can name a directory under versions/ and backup/. */
export function assertVersionName(version: string, what = 'version'): void {
  if (!VERSION_NAME.test(version) || version.endsWith('.partial') || version.includes('..')) {
    throw new KedgeError(
      'KEDGE_INSTALL_INVALID',
      `${what}: "${version}" is not a valid version name (letters, digits, ".", "_", "+", "-"; e.g. v1.3.0)`,
      { fields: [what] },
    );
  }
}

/** `<root>/versions/<version>`. */
export function versionDir(layout: InstallLayout, version: string): string {
  assertVersionName(version);
  return join(layout.versionsDir, version);
}

/** `<root>/backup/<version>`. */
export function backupVersionDir(layout: InstallLayout, version: string): string {
  assertVersionName(version);
  return join(layout.backupDir, version);
}
