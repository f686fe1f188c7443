// Every SQL statement the SQLite backend runs, prepared once per connection.
import type Database from 'better-sqlite3';
import type { WatchEventType } from './resource-store.ts';
import { pin, type Db } from './sqlite-schema.ts';

interface StateRow {
  revision: number;
  compacted: number;
}

interface ObjectRow {
  uid: string;
  revision: number;
  body: string;
}

export interface ChangeRow {
  revision: number;
  type: WatchEventType;
  body: string;
  /** JSON of the labels before the change; null for ADDED. */
  prev_labels: string | null;
}

interface KeyParams {
  kind: string;
  namespace: string;
  name: string;
}

interface ObjectParams extends KeyParams {
  uid: string;
  revision: number;
  body: string;
}

interface ChangeParams extends KeyParams {
  revision: number;
  type: WatchEventType;
  body: string;
  prevLabels: string | null;
}

interface PollParams {
  kind: string;
  after: number;
  head: number;
  namespace: string | null;
  limit: number;
}

type Stmt<P extends unknown[] | object, R = unknown> = Database.Statement<P, R>;

export interface Statements {
  state: Stmt<[], StateRow>;
  nextRevision: Stmt<[], { revision: number }>;
  getObject: Stmt<KeyParams, ObjectRow>;
  listAll: Stmt<{ kind: string }, { body: string }>;
  listNamespace: Stmt<{ kind: string; namespace: string }, { body: string }>;
  insertObject: Stmt<ObjectParams>;
  updateObject: Stmt<Omit<ObjectParams, 'uid'>>;
  deleteObject: Stmt<KeyParams>;
  insertChange: Stmt<ChangeParams>;
  poll: Stmt<PollParams, ChangeRow>;
  trimChanges: Stmt<{ upTo: number }>;
  setCompacted: Stmt<{ upTo: number }>;
}

export function prepareStatements(db: Db): Statements {
  const statements: Statements = {
    state: db.prepare<[], StateRow>('SELECT revision, compacted FROM store_state WHERE id = 1'),
    nextRevision: db.prepare<[], { revision: number }>(
      'UPDATE store_state SET revision = revision + 1 WHERE id = 1 RETURNING revision',
    ),
    getObject: db.prepare<KeyParams, ObjectRow>(
      'SELECT uid, revision, body FROM objects WHERE kind = @kind AND namespace = @namespace AND name = @name',
    ),
    listAll: db.prepare<{ kind: string }, { body: string }>(
      'SELECT body FROM objects WHERE kind = @kind ORDER BY namespace, name',
    ),
    listNamespace: db.prepare<{ kind: string; namespace: string }, { body: string }>(
      'SELECT body FROM objects WHERE kind = @kind AND namespace = @namespace ORDER BY name',
    ),
    insertObject: db.prepare<ObjectParams>(
      `INSERT INTO objects (kind, namespace, name, uid, revision, body)
       VALUES (@kind, @namespace, @name, @uid, @revision, @body)`,
    ),
    updateObject: db.prepare<Omit<ObjectParams, 'uid'>>(
      `UPDATE objects SET revision = @revision, body = @body
       WHERE kind = @kind AND namespace = @namespace AND name = @name`,
    ),
    deleteObject: db.prepare<KeyParams>(
      'DELETE FROM objects WHERE kind = @kind AND namespace = @namespace AND name = @name',
    ),
    insertChange: db.prepare<ChangeParams>(
      `INSERT INTO changes (revision, kind, namespace, name, type, body, prev_labels)
       VALUES (@revision, @kind, @namespace, @name, @type, @body, @prevLabels)`,
    ),
    /** Changes of one kind after a revision, oldest first, read off the (kind, revision) index. */
    poll: db.prepare<PollParams, ChangeRow>(
      `SELECT revision, type, body, prev_labels FROM changes INDEXED BY changes_by_kind
       WHERE kind = @kind AND revision > @after AND revision <= @head
         AND (@namespace IS NULL OR namespace = @namespace)
       ORDER BY revision LIMIT @limit`,
    ),
    trimChanges: db.prepare<{ upTo: number }>('DELETE FROM changes WHERE revision <= @upTo'),
    setCompacted: db.prepare<{ upTo: number }>(
      'UPDATE store_state SET compacted = max(compacted, @upTo) WHERE id = 1',
    ),
  };
  for (const statement of Object.values(statements)) pin(statement);
  return statements;
}
