import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hasCode } from '@kedge/api';
import { systemClock } from '@kedge/runtime';
import { tempDir, type TempDir } from '@kedge/testing';
import { installLayout, type InstallLayout } from './install-layout.ts';
import { acquireInstallLock, readInstallLock, waitForInstallLock } from './install-lock.ts';
import { processStartTicks } from './process-liveness.ts';

let tmp: TempDir;
let layout: InstallLayout;

beforeEach(async () => {
  tmp = await tempDir('kedge-lock-');
  layout = installLayout(join(tmp.path, 'root'));
  mkdirSync(layout.stateDir, { recursive: true });
});
afterEach(() => tmp.cleanup());

function writeLock(holder: Record<string, unknown>): void {
  writeFileSync(layout.lockFile, JSON.stringify(holder) + '\n');
}

/** A process that runs until killed, for a lock held by someone alive. */
function liveProcess() {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1 << 30)'], { stdio: 'ignore' });
  return { pid: child.pid!, stop: () => child.kill('SIGKILL') };
}

describe('install lock', () => {
  it('refuses a second holder, naming pid, start time and command', () => {
    const lock = acquireInstallLock(layout, {
      command: 'keadm edge backup',
      now: () => Date.parse('2025-06-01T10:00:00Z'),
    });
    let err: unknown;
    try {
      acquireInstallLock(layout, { command: 'keadm edge rollback' });
    } catch (e) {
      err = e;
    }
    // Same process: its own lock is still a lock (two operations in one process must not overlap either).
    expect(hasCode(err, 'KEDGE_INSTALL_LOCKED')).toBe(true);
    expect(String(err)).toContain(
      `another kedge operation is running (pid ${process.pid}, since 2025-06-01T10:00:00.000Z): keadm edge backup`,
    );
    lock.release();
    expect(existsSync(layout.lockFile)).toBe(false);
    acquireInstallLock(layout, { command: 'keadm edge rollback' }).release();
  });

  it('refuses while another live process holds it', () => {
    const other = liveProcess();
    try {
      writeLock({ pid: other.pid, since: '2025-06-01T10:00:00.000Z', command: 'taskmanager Upgrade' });
      expect(() => acquireInstallLock(layout, { command: 'keadm edge upgrade' })).toThrow(
        new RegExp(`pid ${other.pid}, since 2025-06-01T10:00:00.000Z\\): taskmanager Upgrade`),
      );
    } finally {
      other.stop();
    }
  });

  it('takes over the lock of a process that is gone', () => {
    const dead = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' });
    const deadPid = Number(dead.stdout.trim());
    writeLock({ pid: deadPid, since: '2025-06-01T10:00:00.000Z', command: 'crashed keadm' });
    const lock = acquireInstallLock(layout, { command: 'keadm edge backup' });
    expect(readInstallLock(layout)).toMatchObject({ pid: process.pid, command: 'keadm edge backup' });
    lock.release();
  });

  it('takes over a lock whose pid now belongs to another process (start time differs)', () => {
    const other = liveProcess();
    try {
      // kedge runs on Linux: /proc tells a reused pid apart, and this test must see it do so.
      const ticks = processStartTicks(other.pid);
      expect(ticks).toMatch(/^\d+$/);
      // The very process that took the lock (same start time) still holds it...
      writeLock({ pid: other.pid, since: '2025-06-01T10:00:00.000Z', command: 'old', startTicks: ticks });
      let refused: unknown;
      try {
        acquireInstallLock(layout, { command: 'new' });
      } catch (err: unknown) {
        refused = err;
      }
      expect(hasCode(refused, 'KEDGE_INSTALL_LOCKED')).toBe(true);
      // ...while the same pid started at another time is someone else: the lock is stale.
      writeLock({ pid: other.pid, since: '2025-06-01T10:00:00.000Z', command: 'old', startTicks: '1' });
      const lock = acquireInstallLock(layout, { command: 'new' });
      expect(readInstallLock(layout)).toMatchObject({ pid: process.pid, command: 'new' });
      lock.release();
      expect(existsSync(layout.lockFile)).toBe(false);
    } finally {
      other.stop();
    }
  });

  it('treats an unreadable lock file as stale', () => {
    writeFileSync(layout.lockFile, 'garbage');
    expect(readInstallLock(layout)).toBeUndefined();
    const lock = acquireInstallLock(layout, { command: 'x' });
    expect(readInstallLock(layout)).toMatchObject({ pid: process.pid, command: 'x' });
    expect(JSON.parse(readFileSync(layout.lockFile, 'utf8'))).toMatchObject({ pid: process.pid });
    lock.release();
    expect(existsSync(layout.lockFile)).toBe(false);
  });

  it('does not remove a lock that someone else took over meanwhile', () => {
    const lock = acquireInstallLock(layout, { command: 'first' });
    writeLock({ pid: 1, since: '2025-06-01T10:00:00.000Z', command: 'init holds it now' });
    lock.release();
    expect(readFileSync(layout.lockFile, 'utf8')).toContain('init holds it now');
  });

  it('waits for the holder to let go', async () => {
    const held = acquireInstallLock(layout, { command: 'keadm edge rollback' });
    const waits: number[] = [];
    const waiting = waitForInstallLock(layout, {
      command: 'launcher',
      timeoutMs: 5000,
      pollMs: 20,
      clock: systemClock,
      onWaiting: (h) => waits.push(h.pid),
    });
    setTimeout(() => held.release(), 200);
    const lock = await waiting;
    expect(waits).toEqual([process.pid]);
    expect(lock.holder.command).toBe('launcher');
    lock.release();
  });

  it('gives up after its timeout with KEDGE_INSTALL_LOCKED', async () => {
    const held = acquireInstallLock(layout, { command: 'keadm edge upgrade' });
    await expect(
      waitForInstallLock(layout, { command: 'launcher', timeoutMs: 100, pollMs: 20, clock: systemClock }),
    ).rejects.toThrow(/another kedge operation is running .*keadm edge upgrade/);
    held.release();
  });
});
