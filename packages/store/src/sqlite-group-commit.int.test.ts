// Group commit on a real SQLite file: the writes of one turn share one
// transaction, each still fails alone, a failed commit fails them all, and
// the store writes what it accepted before it closes.
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hasCode } from '@kedge/api';
import { tempDir, type TempDir } from '@kedge/testing';
import { newRun, nodeObject } from './contract/contract-helpers.ts';
import { GroupCommit } from './sqlite-group-commit.ts';
import { openDatabase, pin, type Db } from './sqlite-schema.ts';
import { openSqliteStore } from './sqlite-store.ts';

describe('group commit', () => {
  let dir: TempDir;
  let db: Db;
  let commits: GroupCommit;
  const rows = (): number[] =>
    pin(db.prepare('SELECT n FROM t ORDER BY n'))
      .pluck()
      .all()
      .map((n) => Number(n));

  beforeEach(async () => {
    dir = await tempDir('kedge-group-commit-');
    db = openDatabase(join(dir.path, 'kedge.db'), 'full');
    db.exec('CREATE TABLE t (n INTEGER PRIMARY KEY)');
    const tx = db.transaction((fn: () => unknown) => fn());
    commits = new GroupCommit({
      transaction: (body) => tx.immediate(body),
      savepoint: (write) => tx(write),
    });
  });

  afterEach(async () => {
    db.close();
    await dir.cleanup();
  });

  const insert = (n: number) => () => pin(db.prepare('INSERT INTO t (n) VALUES (?)')).run(n).changes;

  it('commits the writes of one turn in one transaction, each resolving with its own result', async () => {
    const results = await Promise.all(Array.from({ length: 100 }, (_, i) => commits.submit(insert(i))));
    expect(results).toEqual(Array.from({ length: 100 }, () => 1));
    expect(commits.commits).toBe(1);
    expect(rows()).toHaveLength(100);
  });

  it('rolls back a failing write alone: the others of its turn are committed', async () => {
    const outcomes = await Promise.allSettled([
      commits.submit(insert(1)),
      commits.submit(insert(1)), // primary key clash
      commits.submit(insert(2)),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(String((outcomes[1] as PromiseRejectedResult).reason)).toMatch(/UNIQUE constraint failed/);
    expect(rows()).toEqual([1, 2]);
    expect(commits.commits).toBe(1);
  });

  it('fails every write of a turn whose transaction cannot begin, and writes none of them', async () => {
    const other = openDatabase(join(dir.path, 'kedge.db'), 'full');
    other.exec('PRAGMA busy_timeout = 0');
    db.exec('PRAGMA busy_timeout = 0');
    other.exec('BEGIN IMMEDIATE'); // another process holds the write lock
    const outcomes = await Promise.allSettled([commits.submit(insert(1)), commits.submit(insert(2))]);
    other.exec('ROLLBACK');
    other.close();
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected']);
    expect(rows()).toEqual([]);
    expect(commits.commits).toBe(0);
    // The next turn commits again.
    await commits.submit(insert(3));
    expect(rows()).toEqual([3]);
  });

  it('splits a large turn into bounded transactions', async () => {
    await Promise.all(Array.from({ length: 1200 }, (_, i) => commits.submit(insert(i))));
    expect(rows()).toHaveLength(1200);
    expect(commits.commits).toBe(3);
  });
});

describe('sqlite store with group commit', () => {
  let dir: TempDir;

  beforeEach(async () => {
    dir = await tempDir('kedge-group-commit-');
  });

  afterEach(async () => {
    await dir.cleanup();
  });

  it('gives concurrent writes consecutive resourceVersions and fails only the one that conflicts', async () => {
    const store = openSqliteStore({ path: join(dir.path, 'kedge.db') });
    const run = newRun();
    try {
      await store.create('Node', nodeObject(run, 'taken'));
      const writes = ['a', 'b', 'taken', 'c'].map((name) => store.create('Node', nodeObject(run, name)));
      const settled = await Promise.allSettled(writes);
      expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
      expect(hasCode((settled[2] as PromiseRejectedResult).reason, 'KEDGE_STORE_ALREADY_EXISTS')).toBe(true);
      const versions = settled
        .filter((s) => s.status === 'fulfilled')
        .map((s) => Number(s.value.metadata.resourceVersion));
      expect(versions).toEqual([versions[0], versions[0]! + 1, versions[0]! + 2]);
      const { items } = await store.list('Node');
      expect(items.map((n) => n.metadata.name).sort()).toEqual(
        ['a', 'b', 'c', 'taken'].map((s) => run.name(s)),
      );
    } finally {
      await store.close();
    }
  });

  it('writes what it accepted before closing: nothing queued is lost', async () => {
    const path = join(dir.path, 'kedge.db');
    const store = openSqliteStore({ path });
    const run = newRun();
    const pending = store.create('Node', nodeObject(run, 'queued'));
    await store.close();
    await pending;
    await expect(store.create('Node', nodeObject(run, 'late'))).rejects.toSatisfy((e) =>
      hasCode(e, 'KEDGE_STORE_UNAVAILABLE'),
    );
    const reopened = openSqliteStore({ path });
    try {
      expect((await reopened.get('Node', run.name('queued')))?.metadata.name).toBe(run.name('queued'));
      expect(await reopened.get('Node', run.name('late'))).toBeUndefined();
    } finally {
      await reopened.close();
    }
  });
});
