// @kedge/installer: the edge install root (layout, staged releases, the
// atomic switch of `current`, the upgrade and config-update markers, backup
// and restore, the install lock, the report file) and the two processes that
// run edgecore from it, the launcher and the supervisor (see README.md).
// edgecore's node-task actions and keadm's `edge` commands use this entry; the
// launcher imports its files directly, so nothing native (better-sqlite3, in
// backup/restore) reaches it.
export { backup, listBackups, readBackupManifest } from './install/backup.ts';
export { resolveBootState } from './install/boot-state.ts';
export { beginConfigUpdate, commitConfigUpdate, recordConfigTrialFailure } from './install/config-update.ts';
export { existsNoFollow, sha256File, sha256Of, writeFileDurable } from './install/durable-fs.ts';
export {
  removePidFile,
  runningEdgecorePid,
  signalEdgecore,
  waitForProcessExit,
  writePidFile,
} from './install/edgecore-pid.ts';
export {
  DEFAULT_INSTALL_ROOT,
  INSTALL_ROOT_ENV,
  assertVersionName,
  installLayout,
  versionDir,
  type InstallLayout,
} from './install/install-layout.ts';
export { acquireInstallLock, waitForInstallLock } from './install/install-lock.ts';
export {
  readConfigUpdateMarker,
  readUpgradeMarker,
  writeConfigUpdateMarker,
  writeUpgradeMarker,
  type ConfigUpdateMarker,
  type UpgradeMarker,
} from './install/markers.ts';
export { currentVersion, readInstalledVersion, readReleaseVersion } from './install/release-dir.ts';
export { restore, verifyBackup } from './install/restore.ts';
export { removeVersion, stageRelease, type StageMode } from './install/stage-release.ts';
export { switchCurrent } from './install/switch-current.ts';
export { readUpgradeReport, writeUpgradeReport, type UpgradeReport } from './install/upgrade-report.ts';
export { beginUpgrade, commitUpgrade } from './install/upgrade.ts';
export type { CommitResult } from './install/commit-trial.ts';
