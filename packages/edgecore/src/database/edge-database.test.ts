import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hasCode } from '@kedge/api';
import { tempDir, type TempDir } from '@kedge/testing';
import { openEdgeDatabase, type EdgeDatabase } from './edge-database.ts';
import { EDGE_MIGRATIONS, type EdgeMigration } from './migrations.ts';

describe('openEdgeDatabase', () => {
  let dir: TempDir;
  const opened: EdgeDatabase[] = [];
  const open = (file: string, migrations?: readonly EdgeMigration[]): EdgeDatabase => {
    const edb = openEdgeDatabase(file, migrations ? { migrations } : {});
    opened.push(edb);
    return edb;
  };

  beforeEach(async () => {
    dir = await tempDir('kedge-edgedb-');
  });
  afterEach(async () => {
    for (const edb of opened.splice(0)) edb.close();
    await dir.cleanup();
  });

  it('creates the file (and its directory) with WAL and the meta and outbox tables', () => {
    const edb = open(join(dir.path, 'var', 'lib', 'edgecore.db'));
    expect(edb.schemaVersion).toBe(EDGE_MIGRATIONS.length);
    expect(edb.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(edb.db.pragma('user_version', { simple: true })).toBe(EDGE_MIGRATIONS.length);
    const tables = edb.db
      .prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
      .all()
      .map((r) => r.name);
    expect(tables).toEqual(expect.arrayContaining(['meta', 'outbox']));
  });

  it('reports a failing migration with KEDGE_STORE_UNAVAILABLE naming it, and keeps the old version', () => {
    const file = join(dir.path, 'edgecore.db');
    open(file).close();
    const broken: EdgeMigration[] = [
      ...EDGE_MIGRATIONS,
      { version: EDGE_MIGRATIONS.length + 1, name: 'bad sql', up: (db) => db.exec('CREATE TABLE') },
    ];
    let thrown: unknown;
    try {
      open(file, broken);
    } catch (err: unknown) {
      thrown = err;
    }
    expect(thrown).toMatchObject({ code: 'KEDGE_STORE_UNAVAILABLE', context: { file } });
    expect(String(thrown)).toContain(`migration ${EDGE_MIGRATIONS.length + 1} (bad sql) failed`);
    expect(open(file).schemaVersion).toBe(EDGE_MIGRATIONS.length);
  });

  it('keeps data and does not re-run migrations on reopen', () => {
    const file = join(dir.path, 'edgecore.db');
    const first = open(file);
    first.db.prepare("INSERT INTO meta (key, type, value) VALUES ('default/pod/a', 'pod', '{}')").run();
    first.close();
    const second = open(file);
    expect(second.db.prepare('SELECT count(*) AS n FROM meta').get()).toEqual({ n: 1 });
  });

  it('applies a migration appended later to an existing file', () => {
    const file = join(dir.path, 'edgecore.db');
    open(file).close();
    const extended: EdgeMigration[] = [
      ...EDGE_MIGRATIONS,
      {
        version: EDGE_MIGRATIONS.length + 1,
        name: 'task table',
        up: (db) => db.exec('CREATE TABLE task (key TEXT PRIMARY KEY)'),
      },
    ];
    const edb = open(file, extended);
    expect(edb.schemaVersion).toBe(EDGE_MIGRATIONS.length + 1);
    expect(() => edb.db.prepare('SELECT * FROM task').all()).not.toThrow();
  });

  it('opens a file migrated by a newer edgecore (after a rollback) without touching it', () => {
    const file = join(dir.path, 'edgecore.db');
    const newer = open(file);
    newer.db.pragma(`user_version = ${EDGE_MIGRATIONS.length + 5}`);
    newer.close();
    expect(open(file).schemaVersion).toBe(EDGE_MIGRATIONS.length + 5);
  });

  it('rolls back a failing migration and names the file and the migration', () => {
    const file = join(dir.path, 'edgecore.db');
    const broken: EdgeMigration[] = [
      ...EDGE_MIGRATIONS,
      { version: EDGE_MIGRATIONS.length + 1, name: 'broken', up: (db) => db.exec('CREATE TABLE meta (x)') },
    ];
    let caught: unknown;
    try {
      open(file, broken);
    } catch (err: unknown) {
      caught = err;
    }
    expect(hasCode(caught, 'KEDGE_STORE_UNAVAILABLE')).toBe(true);
    expect(String((caught as Error).message)).toMatch(
      new RegExp(`${file}.*migration ${EDGE_MIGRATIONS.length + 1} \\(broken\\)`),
    );
    expect(open(file).schemaVersion).toBe(EDGE_MIGRATIONS.length);
  });

  it('rejects a migration list with a gap', () => {
    const gap: EdgeMigration[] = [{ version: 2, name: 'skips one', up: () => undefined }];
    expect(() => open(join(dir.path, 'x.db'), gap)).toThrow(/version 2, expected 1/);
  });

  it('fails with the path when the file cannot be opened', () => {
    let caught: unknown;
    try {
      open(join(dir.path, 'edgecore.db', '\0bad'));
    } catch (err: unknown) {
      caught = err;
    }
    expect(hasCode(caught, 'KEDGE_STORE_UNAVAILABLE')).toBe(true);
    expect((caught as { context: { file: string } }).context.file).toContain(dir.path);
  });
});
