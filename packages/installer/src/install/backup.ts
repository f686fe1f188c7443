// Backup of one version's state into backup/<version>/: edgecore.yaml, the
// edge database (copied with SQLite's online backup API, so a running
// edgecore's database is copied consistently) and manifest.json with each
// file's sha256. The release itself is referenced (versions/<version>), not
// copied: releases are immutable. A backup of the same version replaces the
// older one only once the new one is complete.
import { failpoint } from '@kedge/runtime';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { z } from 'zod';
import { KedgeError, errorMessage } from '@kedge/api';
import {
  errnoCode,
  failed,
  fsyncDir,
  fsyncTree,
  sha256Of,
  tempPathFor,
  writeFileDurable,
} from './durable-fs.ts';
import { backupVersionDir, versionDir, type InstallLayout } from './install-layout.ts';
import { readReleaseVersion } from './release-dir.ts';

export const BACKUP_CONFIG_NAME = 'edgecore.yaml';
export const BACKUP_DB_NAME = 'edgecore.db';
const BACKUP_MANIFEST_NAME = 'manifest.json';

const BackupFileSchema = z.object({
  /** File name inside backup/<version>/. */
  name: z.string(),
  /** Where it was copied from. */
  source: z.string(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  bytes: z.number().int().min(0),
});
type BackupFile = z.infer<typeof BackupFileSchema>;

const BackupManifestSchema = z.object({
  version: z.string(),
  createdAt: z.iso.datetime({ offset: true }),
  /** The release this backup belongs to, relative to the install root: versions/<version>. */
  installDir: z.string(),
  files: z.array(BackupFileSchema),
});
export type BackupManifest = z.infer<typeof BackupManifestSchema>;

export interface BackupOptions {
  /** The running version (`readInstalledVersion`); versions/<version> must exist. */
  version: string;
  /** edgecore.yaml to copy. */
  configFile: string;
  /** `database.dataSource`; skipped when it does not exist yet or is ":memory:". */
  dbPath?: string;
  now?: number;
}

export interface BackupResult {
  dir: string;
  manifest: BackupManifest;
}

export async function backup(layout: InstallLayout, options: BackupOptions): Promise<BackupResult> {
  const { version } = options;
  const release = versionDir(layout, version);
  if (readReleaseVersion(release) !== version) {
    throw new KedgeError(
      'KEDGE_INSTALL_INVALID',
      `version ${version}: not installed (${release} is missing)`,
      {
        file: release,
        version,
      },
    );
  }
  const dir = backupVersionDir(layout, version);
  const partial = `${dir}.partial`;
  try {
    rmSync(partial, { recursive: true, force: true });
    mkdirSync(partial, { recursive: true, mode: 0o700 });
    const files: BackupFile[] = [copyConfig(options.configFile, partial)];
    failpoint('backup.mid');
    if (options.dbPath && options.dbPath !== ':memory:' && existsSync(options.dbPath)) {
      files.push(await copyDatabase(options.dbPath, join(partial, BACKUP_DB_NAME)));
    }
    const manifest: BackupManifest = {
      version,
      createdAt: new Date(options.now ?? Date.now()).toISOString(),
      installDir: `versions/${version}`,
      files,
    };
    writeFileDurable(join(partial, BACKUP_MANIFEST_NAME), JSON.stringify(manifest, null, 2) + '\n', 0o600);
    fsyncTree(partial);
    replaceDir(partial, dir);
    fsyncDir(layout.backupDir);
    return { dir, manifest };
  } catch (err: unknown) {
    rmSync(partial, { recursive: true, force: true });
    throw failed(`backup ${version}`, dir, err);
  }
}

/** The manifest of backup/<version>, or undefined when there is no such backup. */
export function readBackupManifest(layout: InstallLayout, version: string): BackupManifest | undefined {
  const file = join(backupVersionDir(layout, version), BACKUP_MANIFEST_NAME);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err: unknown) {
    if (errnoCode(err) === 'ENOENT') return undefined;
    throw failed(`read ${file}`, file, err);
  }
  try {
    return BackupManifestSchema.parse(JSON.parse(text));
  } catch (err: unknown) {
    throw new KedgeError(
      'KEDGE_INSTALL_INVALID',
      `${file}: not a valid backup manifest: ${errorMessage(err)}`,
      {
        file,
        version,
      },
    );
  }
}

/** Every complete backup, newest first (by createdAt). */
export function listBackups(layout: InstallLayout): BackupManifest[] {
  let names: string[];
  try {
    names = readdirSync(layout.backupDir);
  } catch (err: unknown) {
    if (errnoCode(err) === 'ENOENT') return [];
    throw failed(`list ${layout.backupDir}`, layout.backupDir, err);
  }
  const manifests: BackupManifest[] = [];
  for (const name of names) {
    if (name.startsWith('.') || name.endsWith('.partial')) continue;
    const manifest = readBackupManifest(layout, name);
    if (manifest) manifests.push(manifest);
  }
  return manifests.sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt));
}

function copyConfig(configFile: string, dir: string): BackupFile {
  let bytes: Buffer;
  try {
    bytes = readFileSync(configFile);
  } catch (err: unknown) {
    throw new KedgeError(
      'KEDGE_INSTALL_INVALID',
      `${configFile}: cannot read the config file: ${errorMessage(err)}`,
      {
        file: configFile,
      },
    );
  }
  const target = join(dir, BACKUP_CONFIG_NAME);
  writeFileDurable(target, bytes, 0o600);
  return describe(BACKUP_CONFIG_NAME, configFile, target);
}

async function copyDatabase(dbPath: string, target: string): Promise<BackupFile> {
  const source = new Database(dbPath, { fileMustExist: true });
  try {
    await source.backup(target);
  } finally {
    source.close();
  }
  // A self-contained file: no -wal/-shm appear when it is read later, so its hash stays valid.
  const copy = new Database(target);
  try {
    copy.pragma('journal_mode = DELETE');
  } finally {
    copy.close();
  }
  return describe(BACKUP_DB_NAME, dbPath, target);
}

function describe(name: string, source: string, file: string): BackupFile {
  const bytes = readFileSync(file);
  return { name, source, sha256: sha256Of(bytes), bytes: bytes.length };
}

/** Renames `from` to `to`, replacing an existing `to` only after `from` is in place. */
function replaceDir(from: string, to: string): void {
  if (!existsSync(to)) {
    renameSync(from, to);
    return;
  }
  const old = tempPathFor(to);
  renameSync(to, old);
  renameSync(from, to);
  rmSync(old, { recursive: true, force: true });
}
