// Restore of backup/<version>: every file is checked against the manifest
// first, then edgecore.yaml is written atomically, the database is restored
// through SQLite's backup API (transactional, and correct even when the
// target has a WAL), and `current` is switched to <version>. Run it with
// edgecore stopped (keadm edge rollback stops it and holds the lock so the
// launcher waits). The node-task tables of the live database are kept
// (carry-task-state.ts): a rollback never brings a finished task back.
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { KedgeError } from '@kedge/api';
import { BACKUP_CONFIG_NAME, BACKUP_DB_NAME, readBackupManifest, type BackupManifest } from './backup.ts';
import { readTaskState, writeTaskState } from './carry-task-state.ts';
import { errnoCode, failed, sha256Of, writeFileDurable } from './durable-fs.ts';
import { backupVersionDir, versionDir, type InstallLayout } from './install-layout.ts';
import { currentVersion, readReleaseVersion } from './release-dir.ts';
import { switchCurrent } from './switch-current.ts';

export interface RestoreOptions {
  /** Where edgecore.yaml goes back to. */
  configFile: string;
  /** Where the database goes back to (when the backup holds one). */
  dbPath?: string;
  /** Also point `current` at versions/<version> (default true). */
  switchVersion?: boolean;
}

export interface RestoreResult {
  manifest: BackupManifest;
  /** What `current` pointed at before. */
  previousVersion: string | undefined;
  /** Names of the files restored (edgecore.yaml, edgecore.db). */
  restored: string[];
}

/** Reads backup/<version>/manifest.json and checks each file's size and sha256. */
export function verifyBackup(layout: InstallLayout, version: string): BackupManifest {
  const dir = backupVersionDir(layout, version);
  const manifest = readBackupManifest(layout, version);
  if (!manifest) {
    throw new KedgeError(
      'KEDGE_INSTALL_INVALID',
      `version ${version}: no backup (${dir} has no manifest.json)`,
      {
        file: dir,
        version,
      },
    );
  }
  for (const f of manifest.files) {
    const file = join(dir, f.name);
    let bytes: Buffer;
    try {
      bytes = readFileSync(file);
    } catch (err: unknown) {
      if (errnoCode(err) !== 'ENOENT') throw failed(`read ${file}`, file, err);
      throw new KedgeError('KEDGE_INSTALL_INVALID', `${file}: missing from the backup`, { file, version });
    }
    if (bytes.length !== f.bytes || sha256Of(bytes) !== f.sha256) {
      throw new KedgeError('KEDGE_INSTALL_INVALID', `${file}: does not match its sha256 in manifest.json`, {
        file,
        version,
      });
    }
  }
  return manifest;
}

export async function restore(
  layout: InstallLayout,
  version: string,
  options: RestoreOptions,
): Promise<RestoreResult> {
  const manifest = verifyBackup(layout, version);
  const switchVersion = options.switchVersion ?? true;
  if (switchVersion && readReleaseVersion(versionDir(layout, version)) !== version) {
    throw new KedgeError(
      'KEDGE_INSTALL_INVALID',
      `version ${version}: the backup's release ${versionDir(layout, version)} is missing; cannot switch back to it`,
      { file: versionDir(layout, version), version },
    );
  }
  const dir = backupVersionDir(layout, version);
  const previousVersion = currentVersion(layout);
  const restored: string[] = [];
  if (manifest.files.some((f) => f.name === BACKUP_CONFIG_NAME)) {
    writeFileDurable(
      options.configFile,
      readFileSync(join(dir, BACKUP_CONFIG_NAME)),
      modeOf(options.configFile),
    );
    restored.push(BACKUP_CONFIG_NAME);
  }
  if (options.dbPath && manifest.files.some((f) => f.name === BACKUP_DB_NAME)) {
    await restoreDatabase(join(dir, BACKUP_DB_NAME), options.dbPath);
    restored.push(BACKUP_DB_NAME);
  }
  if (switchVersion && previousVersion !== version) switchCurrent(layout, version);
  return { manifest, previousVersion, restored };
}

async function restoreDatabase(from: string, to: string): Promise<void> {
  try {
    mkdirSync(dirname(to), { recursive: true });
    const live = readTaskState(to);
    const source = new Database(from, { readonly: true, fileMustExist: true });
    try {
      await source.backup(to);
    } finally {
      source.close();
    }
    if (live) writeTaskState(to, live);
  } catch (err: unknown) {
    throw failed(`restore the database ${to} from ${from}`, to, err);
  }
}

function modeOf(file: string): number {
  try {
    return statSync(file).mode & 0o777;
  } catch {
    return 0o600;
  }
}
