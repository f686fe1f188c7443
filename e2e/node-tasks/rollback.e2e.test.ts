// `keadm edge rollback` after a completed NodeUpgradeJob (issue 8, item 10):
// the backup holds the database as it was during Backup, with the upgrade
// task still running. The node must stay on the old version (no resumed
// upgrade) and the finished job's status must not change.
import Database from 'better-sqlite3';
import { keadm } from '@kedge/localup';
import { waitFor } from '@kedge/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actionsOf, UpgradeFleet } from './upgrade-fleet.ts';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('keadm edge rollback after a completed upgrade', () => {
  const fleet = new UpgradeFleet();

  beforeAll(() => fleet.start());
  afterAll(() => fleet.close());

  it('leaves the node on the old version, its tasks finished, and the job as it was', async () => {
    await fleet.addEdges(['rb-1']);
    await fleet.createJob('then-rollback', { nodeNames: ['rb-1'] });
    const done = await fleet.finished('then-rollback');
    expect(done.status?.phase).toBe('Completed');
    expect(actionsOf(fleet.entry(done, 'rb-1'))).toEqual([
      'Check=True',
      'WaitingConfirmation=True',
      'Backup=True',
      'Upgrade=True',
    ]);
    await waitFor(async () => (await fleet.runningVersion('rb-1')) === 'v1.1.0', { what: 'rb-1 on v1.1.0' });

    const edge = fleet.edge('rb-1');
    const out = await keadm([
      'edge',
      'rollback',
      '--root',
      edge.installRoot ?? '',
      '--config',
      edge.configFile,
    ]);
    expect(out).toMatch(/rolled back v1\.1\.0 -> v1\.0\.0/);
    await waitFor(async () => (await fleet.runningVersion('rb-1').catch(() => '')) === 'v1.0.0', {
      what: 'rb-1 restarted on v1.0.0',
      timeoutMs: 30_000,
    });

    // Long enough for a resumed task to pull nothing (v1.1.0 is staged), switch and restart.
    for (let i = 0; i < 10; i++) {
      await sleep(1000);
      expect(await fleet.runningVersion('rb-1').catch(() => 'restarting')).toBe('v1.0.0');
    }
    const db = new Database(edge.dbPath, { readonly: true });
    try {
      const tasks = db.prepare('SELECT key, state FROM node_task').all() as { key: string; state: string }[];
      expect(tasks).toEqual([{ key: expect.stringContaining('then-rollback') as string, state: 'done' }]);
    } finally {
      db.close();
    }
    expect((await fleet.job('then-rollback'))?.status).toEqual(done.status);
    await waitFor(async () => (await fleet.nodeVersion('rb-1')) === 'v1.0.0', { what: 'rb-1 Node version' });
    expect((await fleet.job('then-rollback'))?.status).toEqual(done.status);
  });
});
