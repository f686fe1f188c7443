import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hasCode } from '@kedge/api';
import { tempDir, type TempDir, makeFakeRelease } from '@kedge/testing';
import { backup, listBackups } from './backup.ts';
import { sha256Of } from './durable-fs.ts';
import { installLayout, type InstallLayout } from './install-layout.ts';
import { currentVersion } from './release-dir.ts';
import { restore, verifyBackup } from './restore.ts';
import { stageRelease } from './stage-release.ts';
import { switchCurrent } from './switch-current.ts';

let tmp: TempDir;
let layout: InstallLayout;
let configFile: string;
let dbPath: string;
let live: Database.Database;

beforeEach(async () => {
  tmp = await tempDir('kedge-backup-');
  layout = installLayout(join(tmp.path, 'root'));
  for (const v of ['v1.0.0', 'v2.0.0'])
    stageRelease(layout, v, makeFakeRelease(join(tmp.path, 'src'), v, 'run'));
  switchCurrent(layout, 'v1.0.0');
  configFile = join(tmp.path, 'etc', 'edgecore.yaml');
  mkdirSync(join(tmp.path, 'etc'));
  writeFileSync(configFile, 'modules:\n  edgeHub:\n    token: one\n', { mode: 0o600 });
  dbPath = join(tmp.path, 'var', 'edgecore.db');
  mkdirSync(join(tmp.path, 'var'));
  // A "running edgecore": WAL mode, rows still in the WAL (not checkpointed), connection open.
  live = new Database(dbPath);
  live.pragma('journal_mode = WAL');
  live.pragma('wal_autocheckpoint = 0');
  live.exec('CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)');
  const insert = live.prepare('INSERT INTO meta VALUES (?, ?)');
  for (let i = 0; i < 200; i++) insert.run(`k${i}`, `value ${i}`);
});
afterEach(async () => {
  if (live.open) live.close();
  await tmp.cleanup();
});

const rows = (db: Database.Database) => db.prepare('SELECT key, value FROM meta ORDER BY key').all();

describe('backup and restore', () => {
  it('copies config and the live database consistently, with a manifest of sha256s', async () => {
    const { dir, manifest } = await backup(layout, {
      version: 'v1.0.0',
      configFile,
      dbPath,
      now: 1_700_000_000_000,
    });
    expect(dir).toBe(join(layout.backupDir, 'v1.0.0'));
    expect(manifest).toMatchObject({
      version: 'v1.0.0',
      installDir: 'versions/v1.0.0',
      createdAt: '2023-11-14T22:13:20.000Z',
    });
    expect(manifest.files.map((f) => [f.name, f.source])).toEqual([
      ['edgecore.yaml', configFile],
      ['edgecore.db', dbPath],
    ]);
    for (const f of manifest.files) expect(sha256Of(readFileSync(join(dir, f.name)))).toBe(f.sha256);
    expect(readFileSync(join(dir, 'edgecore.yaml'))).toEqual(readFileSync(configFile));
    const copy = new Database(join(dir, 'edgecore.db'), { readonly: true });
    expect(rows(copy)).toEqual(rows(live));
    copy.close();
    expect(verifyBackup(layout, 'v1.0.0')).toEqual(manifest);
  });

  it('restores config byte for byte and the database rows, then switches current back', async () => {
    const before = readFileSync(configFile);
    const beforeRows = rows(live);
    await backup(layout, { version: 'v1.0.0', configFile, dbPath });
    switchCurrent(layout, 'v2.0.0');
    writeFileSync(configFile, 'modules:\n  edgeHub:\n    token: two\n');
    live.exec("DELETE FROM meta WHERE key < 'k5'; INSERT INTO meta VALUES ('new', 'row')");
    // The writer stays open with its changes only in the WAL: the restore goes through SQLite, not over the file.

    const result = await restore(layout, 'v1.0.0', { configFile, dbPath });
    expect(result.previousVersion).toBe('v2.0.0');
    expect(result.restored).toEqual(['edgecore.yaml', 'edgecore.db']);
    expect(readFileSync(configFile)).toEqual(before);
    expect(currentVersion(layout)).toBe('v1.0.0');
    const db = new Database(dbPath);
    expect(rows(db)).toEqual(beforeRows);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    db.close();
    expect(rows(live)).toEqual(beforeRows);
  });

  it('refuses a backup whose files do not match the manifest, before touching anything', async () => {
    await backup(layout, { version: 'v1.0.0', configFile, dbPath });
    writeFileSync(join(layout.backupDir, 'v1.0.0', 'edgecore.yaml'), 'tampered');
    writeFileSync(configFile, 'current: config\n');
    let err: unknown;
    try {
      await restore(layout, 'v1.0.0', { configFile, dbPath });
    } catch (e) {
      err = e;
    }
    expect(hasCode(err, 'KEDGE_INSTALL_INVALID')).toBe(true);
    expect(String(err)).toMatch(/edgecore\.yaml: does not match its sha256 in manifest\.json/);
    expect(readFileSync(configFile, 'utf8')).toBe('current: config\n');
  });

  it('lists backups newest first and replaces an older backup of the same version', async () => {
    await backup(layout, { version: 'v1.0.0', configFile, dbPath, now: 1000 });
    switchCurrent(layout, 'v2.0.0');
    await backup(layout, { version: 'v2.0.0', configFile, now: 2000 });
    expect(listBackups(layout).map((m) => m.version)).toEqual(['v2.0.0', 'v1.0.0']);
    await backup(layout, { version: 'v1.0.0', configFile, now: 3000 });
    const list = listBackups(layout);
    expect(list.map((m) => m.version)).toEqual(['v1.0.0', 'v2.0.0']);
    expect(list[0]!.files.map((f) => f.name)).toEqual(['edgecore.yaml']);
  });

  it('names the missing pieces', async () => {
    await expect(backup(layout, { version: 'v9.9.9', configFile })).rejects.toThrow(
      /v9\.9\.9: not installed/,
    );
    await expect(
      backup(layout, { version: 'v1.0.0', configFile: join(tmp.path, 'nope.yaml') }),
    ).rejects.toThrow(/nope\.yaml: cannot read the config file/);
    await expect(restore(layout, 'v2.0.0', { configFile })).rejects.toThrow(/v2\.0\.0: no backup/);
  });
});
