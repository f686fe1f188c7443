// keadm edge install / backup / upgrade / rollback / config-update against
// temp install roots, with a real SQLite database and real processes.
import { existsSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  acquireInstallLock,
  commitUpgrade,
  installLayout,
  readConfigUpdateMarker,
  readUpgradeMarker,
  readUpgradeReport,
  resolveBootState,
  type InstallLayout,
} from '@kedge/installer';
import { startProcess, tempDir, type TempDir } from '@kedge/testing';
import { keadm, makeRelease, writeEdgeConfig } from '../../test/test-fixtures.ts';

let tmp: TempDir;
let root: string;
let layout: InstallLayout;
let configFile: string;
let dbPath: string;
let target: string[];

beforeEach(async () => {
  tmp = await tempDir('kedge-keadm-');
  root = join(tmp.path, 'root');
  layout = installLayout(root);
  configFile = join(tmp.path, 'edgecore.yaml');
  dbPath = join(tmp.path, 'edgecore.db');
  writeEdgeConfig(configFile, dbPath);
  target = ['--root', root, '--config', configFile];
  const db = new Database(dbPath);
  db.pragma('journal_mode = WAL');
  db.exec(
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT); INSERT INTO meta VALUES ('a', '1'), ('b', '2')",
  );
  db.close();
});
afterEach(() => tmp.cleanup());

const rows = (): unknown[] => {
  const db = new Database(dbPath, { readonly: true });
  try {
    return db.prepare('SELECT * FROM meta ORDER BY key').all();
  } finally {
    db.close();
  }
};

async function installV1(): Promise<void> {
  const r = await keadm([
    'edge',
    'install',
    '--release',
    makeRelease(join(tmp.path, 'rel'), 'v1.0.0'),
    ...target,
  ]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
}

/** A stand-in edgecore: records its pid like edgecore's main and exits 0 on SIGTERM. */
function fakeEdgecore() {
  const script = `require('fs').writeFileSync(${JSON.stringify(layout.pidFile)}, process.pid + '\\n');
    process.on('SIGTERM', () => { console.log('got SIGTERM'); process.exit(0); }); setInterval(() => {}, 1e9); console.log('up');`;
  return startProcess({ name: 'fake-edgecore', args: ['-e', script] });
}

describe('keadm edge install', () => {
  it('creates the layout, installs the launcher and points current at the release', async () => {
    await installV1();
    expect(readlinkSync(layout.current)).toBe('versions/v1.0.0');
    expect(readFileSync(layout.launcherScript, 'utf8')).toContain('launcher from v1.0.0');
    expect(existsSync(layout.stateDir) && existsSync(layout.backupDir)).toBe(true);
    const again = await keadm(['edge', 'install', '--release', join(tmp.path, 'rel', 'v1.0.0'), ...target]);
    expect(again.code).toBe(0);
    const other = await keadm([
      'edge',
      'install',
      '--release',
      makeRelease(join(tmp.path, 'rel'), 'v2.0.0'),
      ...target,
    ]);
    expect(other.code).toBe(1);
    expect(other.stderr).toContain('already runs v1.0.0; use keadm edge upgrade --toVersion v2.0.0');
  });
});

describe('keadm edge backup / upgrade / rollback', () => {
  it('backup then rollback restores config and database and switches back, stopping edgecore first', async () => {
    await installV1();
    const configBefore = readFileSync(configFile);
    const rowsBefore = rows();

    const b = await keadm(['edge', 'backup', ...target]);
    expect(b.code).toBe(0);
    expect(b.stdout).toMatch(
      /^backed up v1\.0\.0 to .*backup\/v1\.0\.0: edgecore\.yaml \(\d+ bytes\), edgecore\.db \(\d+ bytes\)/,
    );
    expect(readUpgradeReport(layout)).toMatchObject({
      event: 'Backup',
      success: true,
      fromVersion: '',
      toVersion: 'v1.0.0',
    });

    const v2 = makeRelease(join(tmp.path, 'rel'), 'v2.0.0');
    const u = await keadm(['edge', 'upgrade', '--toVersion', 'v2.0.0', '--image', v2, ...target]);
    expect(u.stderr).toBe('');
    expect(u.stdout).toContain('switched');
    expect(u.stdout).toContain('edgecore is not running');
    expect(readlinkSync(layout.current)).toBe('versions/v2.0.0');
    expect(readUpgradeMarker(layout)).toMatchObject({
      phase: 'switching',
      from: 'v1.0.0',
      to: 'v2.0.0',
      node: 'edge-1',
      job: '',
    });
    expect(readUpgradeReport(layout)).toMatchObject({
      event: 'Upgrade',
      success: true,
      fromVersion: 'v1.0.0',
      toVersion: 'v2.0.0',
    });

    // v2 changes things; then the operator rolls back while it runs.
    writeEdgeConfig(configFile, dbPath, 45);
    const db = new Database(dbPath);
    db.exec("DELETE FROM meta WHERE key = 'a'; INSERT INTO meta VALUES ('c', '3')");
    db.close();
    const edgecore = fakeEdgecore();
    await edgecore.waitForLine(/^up$/);

    const r = await keadm(['edge', 'rollback', ...target]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`stopping edgecore (pid ${edgecore.pid})`);
    expect(r.stdout).toContain('rolled back v2.0.0 -> v1.0.0: restored edgecore.yaml, edgecore.db');
    expect((await edgecore.exited).code).toBe(0);
    expect(edgecore.stdout()).toContain('got SIGTERM');
    expect(readFileSync(configFile)).toEqual(configBefore);
    expect(rows()).toEqual(rowsBefore);
    expect(readlinkSync(layout.current)).toBe('versions/v1.0.0');
    expect(readUpgradeMarker(layout)).toMatchObject({
      phase: 'rolledBack',
      reason: 'rolled back to the backup of v1.0.0 by keadm edge rollback',
    });
    expect(readUpgradeReport(layout)).toMatchObject({
      event: 'Rollback',
      success: true,
      fromVersion: 'v2.0.0',
      toVersion: 'v1.0.0',
    });
  });

  it('refuses to run while another kedge operation holds the lock (a second process)', async () => {
    await installV1();
    const lock = acquireInstallLock(layout, { command: 'test: keadm edge upgrade' });
    try {
      const p = startProcess({
        name: 'keadm',
        args: ['packages/keadm/src/bin/keadm.ts', 'edge', 'backup', ...target],
      });
      expect((await p.exited).code).toBe(1);
      expect(p.stderr()).toMatch(
        new RegExp(
          `^error: another kedge operation is running \\(pid ${process.pid}, since [0-9T:.Z-]+\\): test: keadm edge upgrade`,
        ),
      );
      expect(existsSync(join(layout.backupDir, 'v1.0.0'))).toBe(false);
    } finally {
      lock.release();
    }
  });

  it('names the problem: nothing installed, same version, mislabelled release, no backup', async () => {
    const none = await keadm(['edge', 'backup', ...target]);
    expect(none.stderr).toMatch(/--root: nothing is installed under .*root/);
    expect(existsSync(root)).toBe(false);

    await installV1();
    const same = await keadm([
      'edge',
      'upgrade',
      '--toVersion',
      'v1.0.0',
      '--image',
      join(tmp.path, 'rel', 'v1.0.0'),
      ...target,
    ]);
    expect(same.stderr).toContain('--toVersion: v1.0.0 is already the running version');

    const wrong = makeRelease(join(tmp.path, 'rel'), 'v3.0.0', 'mislabelled');
    const mis = await keadm(['edge', 'upgrade', '--toVersion', 'v2.0.0', '--image', wrong, ...target]);
    expect(mis.code).toBe(1);
    expect(mis.stderr).toContain('declares version v3.0.0 (VERSION), not the expected v2.0.0');
    expect(readUpgradeReport(layout)).toMatchObject({
      event: 'Upgrade',
      success: false,
      toVersion: 'v2.0.0',
    });
    expect(readlinkSync(layout.current)).toBe('versions/v1.0.0');

    const rb = await keadm(['edge', 'rollback', ...target]);
    expect(rb.stderr).toContain('--history-version: no backups in');

    const bad = await keadm(['edge', 'upgrade', '--toVersion', '../x', '--image', wrong, ...target]);
    expect(bad.stderr).toContain('--toVersion: "../x" is not a valid version name');
  });

  it('--wait follows the trial: committed by the new edgecore', async () => {
    await installV1();
    const v2 = makeRelease(join(tmp.path, 'rel'), 'v2.0.0');
    const committer = setInterval(() => {
      if (readUpgradeMarker(layout)?.phase === 'switching')
        commitUpgrade(layout, { runningVersion: 'v2.0.0' });
    }, 100);
    try {
      const u = await keadm(['edge', 'upgrade', '--toVersion', 'v2.0.0', '--image', v2, '--wait', ...target]);
      expect(u.stdout).toContain('v2.0.0 is healthy and connected: upgrade committed');
      expect(u.code).toBe(0);
    } finally {
      clearInterval(committer);
    }
  });

  it('--wait follows the trial: rolled back by the launcher after the deadline', async () => {
    await installV1();
    const v2 = makeRelease(join(tmp.path, 'rel'), 'v2.0.0');
    // What the launcher does when it starts after the deadline.
    const launcher = setInterval(() => {
      const m = readUpgradeMarker(layout);
      if (m?.phase === 'switching' && Date.now() > Date.parse(m.deadline)) resolveBootState(layout);
    }, 100);
    try {
      const u = await keadm([
        'edge',
        'upgrade',
        '--toVersion',
        'v2.0.0',
        '--image',
        v2,
        '--wait',
        '--timeout',
        '1',
        ...target,
      ]);
      expect(u.stdout).toContain(
        'upgrade to v2.0.0 rolledBack: v2.0.0 did not come up healthy and connected within 1s',
      );
      expect(u.code).toBe(1);
      expect(readUpgradeReport(layout)).toMatchObject({ event: 'Upgrade', success: false });
      expect(readUpgradeReport(layout)?.errorMessage).toContain('within 1s');
    } finally {
      clearInterval(launcher);
    }
  });
});

describe('keadm edge config-update', () => {
  it('writes the change, keeps the previous file, starts a trial and restarts edgecore', async () => {
    await installV1();
    const before = readFileSync(configFile, 'utf8');
    const edgecore = fakeEdgecore();
    await edgecore.waitForLine(/^up$/);
    const r = await keadm(['edge', 'config-update', '--set', 'modules.edgeHub.heartbeat=30', ...target]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(readFileSync(configFile, 'utf8')).toContain('heartbeat: 30');
    expect(readFileSync(configFile, 'utf8')).toContain('# edge-1');
    expect(readFileSync(`${configFile}.previous`, 'utf8')).toBe(before);
    expect(readConfigUpdateMarker(layout)).toMatchObject({ phase: 'switching', configFile, node: 'edge-1' });
    expect(r.stdout).toContain(`asked edgecore (pid ${edgecore.pid}) to restart`);
    expect((await edgecore.exited).code).toBe(0);
    expect(readUpgradeReport(layout)).toMatchObject({
      event: 'ConfigUpdate',
      success: true,
      toVersion: 'v1.0.0',
    });
  });

  it('rejects a bad field or value, naming it, and changes nothing', async () => {
    await installV1();
    const before = readFileSync(configFile, 'utf8');
    const r = await keadm([
      'edge',
      'config-update',
      '--set',
      'modules.edgeHub.heartbeat=often,modules.nope=1',
      ...target,
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error: modules.edgeHub.heartbeat: expected number, got "often"');
    expect(r.stderr).toContain('error: modules.nope: unknown field');
    expect(readFileSync(configFile, 'utf8')).toBe(before);
    expect(existsSync(layout.configUpdateMarker)).toBe(false);
    expect(readUpgradeReport(layout)).toMatchObject({ event: 'ConfigUpdate', success: false });
  });

  it('says so when the values are already set (no restart)', async () => {
    await installV1();
    writeFileSync(configFile, readFileSync(configFile, 'utf8'));
    const r = await keadm(['edge', 'config-update', '--set', 'modules.edgeHub.heartbeat=15', ...target]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('already has these values; nothing changed, no restart');
  });
});
