// The edge install library: layout, staging, the atomic switch, markers,
// backup/restore, the lock and the report file (docs/node-tasks.md, "install
// layout and restarts"). The launcher imports the files it needs directly, so
// that nothing native (better-sqlite3, in backup/restore) reaches it.
export * from './install-layout.ts';
export { existsNoFollow, fsyncDir, sha256File, sha256Of, writeFileDurable } from './durable-fs.ts';
export * from './release-dir.ts';
export * from './stage-release.ts';
export * from './switch-current.ts';
export * from './markers.ts';
export * from './install-lock.ts';
export * from './upgrade.ts';
export * from './config-update.ts';
export * from './boot-state.ts';
export * from './backup.ts';
export * from './restore.ts';
export * from './upgrade-report.ts';
export * from './edgecore-pid.ts';
export * from './process-liveness.ts';
export * from './install-committer.ts';
