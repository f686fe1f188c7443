import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hasCode, newMessage, type Message } from '@kedge/api';
import { Bus } from '@kedge/beehive';
import { createLogger, systemClock } from '@kedge/runtime';
import { tempDir, type TempDir } from '@kedge/testing';
import { openEdgeDatabase, Outbox, type EdgeDatabase } from '../database/index.ts';
import { EdgeReporter } from '../reporting/edge-reporter.ts';
import { TaskStore, type ActionResult } from './task-store.ts';

const KEY = 'nodeupgradejob/up1/edge-1';

function report(action: string): Message {
  return newMessage({
    source: 'taskmanager',
    group: 'taskmanager',
    operation: 'UpdateNodeActionStatus',
    resource: KEY,
    content: { action },
  });
}

function result(action: ActionResult['action'], succ = true): ActionResult {
  return { action, succ, reason: succ ? '' : 'boom', extend: '', finishTime: '2025-05-28T08:12:01Z' };
}

const reporterOn = (outbox: Outbox): EdgeReporter =>
  new EdgeReporter(
    outbox,
    new Bus({ log: createLogger({ name: 'test', level: 'silent' }), clock: systemClock }),
  );

describe('TaskStore', () => {
  let dir: TempDir;
  let edb: EdgeDatabase;
  let outbox: Outbox;
  let store: TaskStore;
  let now = 1000;

  beforeEach(async () => {
    dir = await tempDir('kedge-taskstore-');
    edb = openEdgeDatabase(join(dir.path, 'edgecore.db'));
    outbox = new Outbox({ db: edb.db });
    store = new TaskStore({ db: edb.db, reports: reporterOn(outbox), clock: { now: () => now } });
  });

  afterEach(async () => {
    edb.close();
    await dir.cleanup();
  });

  const create = (jobUid = 'uid-1'): void => {
    store.create({
      key: KEY,
      jobUid,
      type: 'nodeupgradejob',
      job: 'up1',
      node: 'edge-1',
      spec: { version: 'v1.3.0' },
      firstAction: 'Check',
    });
  };

  it('creates a task running its first action and keeps it across a reopen', () => {
    create();
    edb.close();
    edb = openEdgeDatabase(join(dir.path, 'edgecore.db'));
    store = new TaskStore({
      db: edb.db,
      reports: reporterOn(new Outbox({ db: edb.db })),
      clock: { now: () => now },
    });
    expect(store.get(KEY)).toMatchObject({
      jobUid: 'uid-1',
      type: 'nodeupgradejob',
      spec: { version: 'v1.3.0' },
      state: 'running',
      currentAction: 'Check',
      confirmedBy: undefined,
      createdAt: 1000,
    });
    expect(store.unfinished().map((t) => t.key)).toEqual([KEY]);
  });

  it('records a result, the next action and the report in one step', () => {
    create();
    const msg = report('Check');
    now = 2000;
    store.finish(KEY, 'uid-1', result('Check'), 'WaitingConfirmation', msg);
    expect(store.get(KEY)).toMatchObject({
      state: 'running',
      currentAction: 'WaitingConfirmation',
      updatedAt: 2000,
    });
    expect(store.results(KEY)).toEqual([
      { ...result('Check'), message: { ...msg, header: { ...msg.header, sync: true } } },
    ]);
    expect(outbox.pending().map((m) => m.header.msg_id)).toEqual([msg.header.msg_id]);

    store.finish(KEY, 'uid-1', result('Upgrade', false), undefined, report('Upgrade'));
    expect(store.get(KEY)).toMatchObject({ state: 'done', currentAction: undefined });
    expect(store.unfinished()).toEqual([]);
  });

  it('writes nothing when the report cannot be queued', () => {
    create();
    edb.db.exec('DROP TABLE outbox');
    let caught: unknown;
    try {
      store.finish(KEY, 'uid-1', result('Check'), 'WaitingConfirmation', report('Check'));
    } catch (err: unknown) {
      caught = err;
    }
    expect(hasCode(caught, 'KEDGE_STORE_UNAVAILABLE')).toBe(true);
    expect(String((caught as Error).message)).toContain(`task ${KEY}: cannot finish`);
    expect(store.results(KEY)).toEqual([]);
    expect(store.get(KEY)?.currentAction).toBe('Check');
  });

  it('replaces a task of a recreated job, with its results', () => {
    create('uid-1');
    store.finish(KEY, 'uid-1', result('Check'), 'WaitingConfirmation', report('Check'));
    store.confirm(KEY, 'the cloud');
    create('uid-2');
    expect(store.get(KEY)).toMatchObject({ jobUid: 'uid-2', currentAction: 'Check', confirmedBy: undefined });
    expect(store.results(KEY)).toEqual([]);
  });

  it('tracks waiting and confirmation', () => {
    create();
    store.wait(KEY, 'WaitingConfirmation');
    expect(store.get(KEY)?.state).toBe('waiting');
    expect(store.confirm(KEY, 'keadm ctl confirm')).toBe(true);
    expect(store.confirm('nodeupgradejob/other/edge-1', 'x')).toBe(false);
    expect(store.get(KEY)?.confirmedBy).toBe('keadm ctl confirm');
  });

  it('forgets the oldest finished tasks beyond the number kept', () => {
    for (const job of ['a', 'b', 'c']) {
      now += 10;
      const key = `nodeupgradejob/${job}/edge-1`;
      store.create({
        key,
        jobUid: job,
        type: 'nodeupgradejob',
        job,
        node: 'edge-1',
        spec: {},
        firstAction: 'Check',
      });
      store.finish(key, job, result('Check', false), undefined, report('Check'));
    }
    create();
    expect(store.pruneDone(1)).toBe(2);
    expect(store.get('nodeupgradejob/c/edge-1')?.state).toBe('done');
    expect(store.get('nodeupgradejob/a/edge-1')).toBeUndefined();
    expect(store.get(KEY)?.state).toBe('running');
  });
});
