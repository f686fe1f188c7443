import {
  existsSync,
  mkdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hasCode } from '@kedge/api';
import { tempDir, type TempDir, makeFakeRelease } from '@kedge/testing';
import { isTrialPending, resolveBootState } from './boot-state.ts';
import { installLayout, type InstallLayout } from './install-layout.ts';
import { readUpgradeMarker, writeUpgradeMarker } from './markers.ts';
import { currentVersion, readInstalledVersion } from './release-dir.ts';
import { stageRelease } from './stage-release.ts';
import { switchCurrent } from './switch-current.ts';
import { beginUpgrade, commitUpgrade, markStaged } from './upgrade.ts';

const T0 = Date.parse('2025-06-01T10:00:00Z');
const job = { job: 'up1', node: 'edge-1', jobUid: 'uid-1' };

let tmp: TempDir;
let layout: InstallLayout;

beforeEach(async () => {
  tmp = await tempDir('kedge-boot-');
  layout = installLayout(join(tmp.path, 'root'));
  stageRelease(layout, 'v1.0.0', makeFakeRelease(join(tmp.path, 'src'), 'v1.0.0', 'run'));
  switchCurrent(layout, 'v1.0.0');
});
afterEach(() => tmp.cleanup());

function stageV2(): void {
  stageRelease(layout, 'v2.0.0', makeFakeRelease(join(tmp.path, 'src'), 'v2.0.0', 'run'));
}

const upgrade = { from: 'v1.0.0', to: 'v2.0.0', ...job, deadlineMs: T0 + 120_000, now: T0 };

describe('staging and switching', () => {
  it('stages into versions/<v> and points current at it with a relative symlink', () => {
    stageV2();
    expect(readFileSync(join(layout.versionsDir, 'v2.0.0', 'VERSION'), 'utf8').trim()).toBe('v2.0.0');
    expect(existsSync(join(layout.versionsDir, 'v2.0.0.partial'))).toBe(false);
    switchCurrent(layout, 'v2.0.0');
    expect(readlinkSync(layout.current)).toBe(join('versions', 'v2.0.0'));
    expect(readInstalledVersion(layout)).toBe('v2.0.0');
    expect(existsSync(layout.currentTmp)).toBe(false);
  });

  it('is idempotent for a staged version and refuses a release that declares another version', () => {
    stageV2();
    const again = stageRelease(layout, 'v2.0.0', join(tmp.path, 'src', 'v2.0.0'));
    expect(again.alreadyStaged).toBe(true);
    const wrong = makeFakeRelease(join(tmp.path, 'src'), 'v3.0.0', 'run', 'mislabelled');
    expect(() => stageRelease(layout, 'v3.1.0', wrong)).toThrow(
      /declares version v3\.0\.0 \(VERSION\), not the expected v3\.1\.0/,
    );
    expect(existsSync(join(layout.versionsDir, 'v3.1.0'))).toBe(false);
  });

  it('writes VERSION into a release that has none, and refuses a directory that is no release', () => {
    const dir = join(tmp.path, 'bare');
    mkdirSync(dir);
    expect(() => stageRelease(layout, 'v4.0.0', dir)).toThrow(/not an edgecore release/);
    writeFileSync(join(dir, 'edgecore.mjs'), '');
    stageRelease(layout, 'v4.0.0', dir);
    expect(readFileSync(join(layout.versionsDir, 'v4.0.0', 'VERSION'), 'utf8').trim()).toBe('v4.0.0');
  });

  it('replaces a .partial left by a crash and refuses to switch to anything incomplete', () => {
    const partial = join(layout.versionsDir, 'v2.0.0.partial');
    mkdirSync(partial);
    writeFileSync(join(partial, 'half-written'), 'x');
    expect(() => switchCurrent(layout, 'v2.0.0')).toThrow(/not staged/);
    stageV2();
    expect(existsSync(partial)).toBe(false);
    expect(existsSync(join(layout.versionsDir, 'v2.0.0', 'half-written'))).toBe(false);
  });

  it('rejects version names that could escape versions/', () => {
    for (const bad of ['../x', 'a/b', '.hidden', 'v1.partial', '']) {
      let err: unknown;
      try {
        stageRelease(layout, bad, tmp.path);
      } catch (e) {
        err = e;
      }
      expect(hasCode(err, 'KEDGE_INSTALL_INVALID'), bad).toBe(true);
    }
  });
});

describe('crash points: the launcher always finds a complete version', () => {
  it('after staging only: runs the old version, marker untouched', () => {
    stageV2();
    markStaged(layout, upgrade);
    const boot = resolveBootState(layout, { now: T0 + 1000 });
    expect(boot.version).toBe('v1.0.0');
    expect(boot.entry).toBe(join(layout.versionsDir, 'v1.0.0', 'edgecore.mjs'));
    expect(boot.upgrade?.phase).toBe('staged');
    expect(boot.trials).toEqual([]);
  });

  it('with a half-made current.tmp (crash inside the switch): runs the old version', () => {
    stageV2();
    symlinkSync(join('versions', 'v2.0.0'), layout.currentTmp);
    expect(resolveBootState(layout, { now: T0 }).version).toBe('v1.0.0');
    switchCurrent(layout, 'v2.0.0');
    expect(currentVersion(layout)).toBe('v2.0.0');
  });

  it('after the marker but before the rename: aborted, old version runs', () => {
    stageV2();
    writeUpgradeMarker(layout, {
      phase: 'switching',
      from: 'v1.0.0',
      to: 'v2.0.0',
      ...job,
      startedAt: new Date(T0).toISOString(),
      deadline: new Date(T0 + 120_000).toISOString(),
      attempts: 0,
      updatedAt: new Date(T0).toISOString(),
    });
    const boot = resolveBootState(layout, { now: T0 + 1000 });
    expect(boot.version).toBe('v1.0.0');
    expect(boot.upgrade).toMatchObject({ phase: 'aborted', reason: 'interrupted before switching' });
    expect(readUpgradeMarker(layout)?.phase).toBe('aborted');
  });

  it('after the switch: the new version runs on trial, with its deadline watched', () => {
    stageV2();
    beginUpgrade(layout, upgrade);
    const boot = resolveBootState(layout, { now: T0 + 1000 });
    expect(boot.version).toBe('v2.0.0');
    expect(boot.upgrade).toMatchObject({ phase: 'switching', attempts: 1 });
    expect(boot.trials).toEqual([
      { kind: 'upgrade', deadlineMs: T0 + 120_000, startedAt: new Date(T0).toISOString(), jobUid: 'uid-1' },
    ]);
    expect(boot.notes.map((n) => n.msg)).toEqual(['trial start 1 of 3']);
    expect(isTrialPending(layout, boot.trials[0]!)).toBe(true);
  });
});

describe('upgrade marker rules', () => {
  it('rolls back after the fourth start: "<to> exited 3 times"', () => {
    stageV2();
    beginUpgrade(layout, upgrade);
    for (let i = 1; i <= 3; i++) expect(resolveBootState(layout, { now: T0 + i }).version).toBe('v2.0.0');
    const boot = resolveBootState(layout, { now: T0 + 4 });
    expect(boot.version).toBe('v1.0.0');
    expect(currentVersion(layout)).toBe('v1.0.0');
    expect(boot.upgrade).toMatchObject({ phase: 'rolledBack', attempts: 4, reason: 'v2.0.0 exited 3 times' });
    expect(boot.trials).toEqual([]);
    // Later starts leave it alone.
    expect(resolveBootState(layout, { now: T0 + 5 }).upgrade?.phase).toBe('rolledBack');
  });

  it('rolls back when started after the deadline', () => {
    stageV2();
    beginUpgrade(layout, upgrade);
    resolveBootState(layout, { now: T0 + 1000 });
    const boot = resolveBootState(layout, { now: T0 + 121_000 });
    expect(boot.version).toBe('v1.0.0');
    expect(boot.upgrade).toMatchObject({
      phase: 'rolledBack',
      reason: 'v2.0.0 did not come up healthy and connected within 120s',
    });
  });

  it('marks the upgrade failed, keeping the new version, when the old release is gone', () => {
    stageV2();
    beginUpgrade(layout, upgrade);
    rmSync(join(layout.versionsDir, 'v1.0.0'), { recursive: true });
    const boot = resolveBootState(layout, { now: T0 + 121_000 });
    expect(boot.version).toBe('v2.0.0');
    expect(boot.upgrade?.phase).toBe('failed');
    expect(boot.upgrade?.reason).toMatch(/cannot roll back: .*v1\.0\.0 is missing/);
  });

  it('commits only from the version on trial, before the deadline, once', () => {
    stageV2();
    beginUpgrade(layout, upgrade);
    resolveBootState(layout, { now: T0 + 1 });
    expect(commitUpgrade(layout, { runningVersion: 'v1.0.0', now: T0 + 2 }).outcome).toBe('notOnTrial');
    expect(commitUpgrade(layout, { runningVersion: 'v2.0.0', now: T0 + 200_000 }).outcome).toBe(
      'deadlinePassed',
    );
    const done = commitUpgrade(layout, { runningVersion: 'v2.0.0', now: T0 + 3 });
    expect(done.outcome).toBe('committed');
    expect(done.marker?.phase).toBe('committed');
    expect(commitUpgrade(layout, { runningVersion: 'v2.0.0', now: T0 + 4 }).outcome).toBe('alreadyCommitted');
    // A committed version keeps running, whatever the time.
    const boot = resolveBootState(layout, { now: T0 + 10_000_000 });
    expect(boot.version).toBe('v2.0.0');
    expect(boot.trials).toEqual([]);
  });

  it('refuses a second upgrade while one is on trial, and resumes the same one', () => {
    stageV2();
    beginUpgrade(layout, upgrade);
    expect(beginUpgrade(layout, upgrade).phase).toBe('switching');
    stageRelease(layout, 'v3.0.0', makeFakeRelease(join(tmp.path, 'src'), 'v3.0.0', 'run'));
    expect(() => beginUpgrade(layout, { ...upgrade, from: 'v2.0.0', to: 'v3.0.0', jobUid: 'uid-2' })).toThrow(
      /still on trial/,
    );
  });

  it('refuses to upgrade from a version that is not current, or to one not staged', () => {
    expect(() => beginUpgrade(layout, upgrade)).toThrow(/v2\.0\.0: not staged/);
    stageV2();
    expect(() => beginUpgrade(layout, { ...upgrade, from: 'v0.9.0' })).toThrow(
      /points at v1\.0\.0, not at v0\.9\.0/,
    );
  });

  it('reports an unreadable marker and still starts the current version', () => {
    mkdirSync(layout.stateDir, { recursive: true });
    writeFileSync(layout.upgradeMarker, '{"phase":"switching"');
    const boot = resolveBootState(layout, { now: T0 });
    expect(boot.version).toBe('v1.0.0');
    expect(boot.notes[0]).toMatchObject({ level: 'error', msg: 'upgrade marker unreadable; ignored' });
  });

  it('says what to do when nothing is installed', () => {
    const empty = installLayout(join(tmp.path, 'empty'));
    expect(() => resolveBootState(empty)).toThrow(
      /nothing is installed under .*empty \(run keadm edge install\)/,
    );
  });
});
