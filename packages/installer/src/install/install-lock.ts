// One install operation at a time: keadm edge commands, the task manager's
// Backup/Upgrade/Rollback/ConfigUpdate actions and the launcher's boot
// resolution all hold state/lock while they change the install. The lock file
// appears complete or not at all (written aside, then hard-linked into
// place); a lock whose process is gone is taken over.
import { linkSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { z } from 'zod';
import { KedgeError, hasCode } from '@kedge/api';
import type { Clock } from '@kedge/runtime';
import { errnoCode, failed, tempPathFor, writeFileDurable } from './durable-fs.ts';
import type { InstallLayout } from './install-layout.ts';
import { isSameProcessAlive, processStartTicks } from './process-liveness.ts';

const LockHolderSchema = z.object({
  pid: z.number().int().positive(),
  /** ISO time the lock was taken. */
  since: z.string(),
  /** What holds it, e.g. "keadm edge upgrade" or "taskmanager Upgrade nodeupgradejob/up1". */
  command: z.string(),
  /** /proc start time of the holder, to tell a reused pid from the holder. */
  startTicks: z.string().optional(),
});
export type LockHolder = z.infer<typeof LockHolderSchema>;

export interface InstallLock extends Disposable {
  readonly holder: LockHolder;
  /** Removes the lock file if it is still ours; idempotent. */
  release(): void;
}

export interface AcquireLockOptions {
  command: string;
  /** Default Date.now. */
  now?: () => number;
}

const TAKEOVER_ATTEMPTS = 5;

/** Takes the install lock or throws KEDGE_INSTALL_LOCKED naming the holder. */
export function acquireInstallLock(layout: InstallLayout, options: AcquireLockOptions): InstallLock {
  const now = options.now ?? Date.now;
  mkdirSync(layout.stateDir, { recursive: true });
  const startTicks = processStartTicks(process.pid);
  const holder: LockHolder = {
    pid: process.pid,
    since: new Date(now()).toISOString(),
    command: options.command,
    ...(startTicks !== undefined ? { startTicks } : {}),
  };
  const content = JSON.stringify(holder) + '\n';
  for (let i = 0; i < TAKEOVER_ATTEMPTS; i++) {
    if (tryCreate(layout.lockFile, content)) return lockHandle(layout.lockFile, holder, content);
    const existing = readLockText(layout.lockFile);
    if (existing === undefined) continue; // released meanwhile
    const current = parseHolder(existing);
    if (current && isSameProcessAlive(current.pid, current.startTicks)) throw lockedError(layout, current);
    takeOver(layout.lockFile, existing);
  }
  const last = readInstallLock(layout);
  if (last) throw lockedError(layout, last);
  throw new KedgeError('KEDGE_INSTALL_FAILED', `${layout.lockFile}: could not take the lock`, {
    file: layout.lockFile,
  });
}

export interface WaitForLockOptions extends AcquireLockOptions {
  /** Give up (KEDGE_INSTALL_LOCKED) after this long. */
  timeoutMs: number;
  /** Poll interval; default 200 ms. */
  pollMs?: number;
  signal?: AbortSignal;
  clock: Clock;
  /** Called when the lock is found held, at most once per `reportEveryMs` (default 10 s). */
  onWaiting?: (holder: LockHolder) => void;
  reportEveryMs?: number;
}

/** Waits until the lock can be taken; rejects with KEDGE_INSTALL_LOCKED after timeoutMs, or the signal's reason. */
export async function waitForInstallLock(
  layout: InstallLayout,
  options: WaitForLockOptions,
): Promise<InstallLock> {
  const clock = options.clock;
  const start = clock.now();
  let reportedAt = -Infinity;
  for (;;) {
    try {
      return acquireInstallLock(layout, {
        command: options.command,
        now: options.now ?? (() => clock.now()),
      });
    } catch (err: unknown) {
      if (!hasCode(err, 'KEDGE_INSTALL_LOCKED') || clock.now() - start >= options.timeoutMs) throw err;
      const holder = readInstallLock(layout); // undefined: released meanwhile; the next attempt may get it
      if (holder && clock.now() - reportedAt >= (options.reportEveryMs ?? 10_000)) {
        reportedAt = clock.now();
        options.onWaiting?.(holder);
      }
    }
    await clock.sleep(options.pollMs ?? 200, options.signal);
  }
}

/** Who holds the lock now, or undefined when it is free (or unreadable). */
export function readInstallLock(layout: InstallLayout): LockHolder | undefined {
  const text = readLockText(layout.lockFile);
  return text === undefined ? undefined : parseHolder(text);
}

function lockedError(layout: InstallLayout, holder: LockHolder): KedgeError {
  return new KedgeError(
    'KEDGE_INSTALL_LOCKED',
    `another kedge operation is running (pid ${holder.pid}, since ${holder.since}): ${holder.command}; lock ${layout.lockFile}`,
    { file: layout.lockFile, pid: holder.pid, command: holder.command },
  );
}

function tryCreate(lockFile: string, content: string): boolean {
  const tmp = tempPathFor(lockFile);
  writeFileDurable(tmp, content, 0o644);
  try {
    linkSync(tmp, lockFile);
    return true;
  } catch (err: unknown) {
    if (errnoCode(err) === 'EEXIST') return false;
    throw failed(`create ${lockFile}`, lockFile, err);
  } finally {
    rmSync(tmp, { force: true });
  }
}

/** Moves a stale lock aside; if what was moved is not what we judged stale, puts it back. */
function takeOver(lockFile: string, staleText: string): void {
  const aside = tempPathFor(`${lockFile}.stale`);
  try {
    renameSync(lockFile, aside);
  } catch (err: unknown) {
    if (errnoCode(err) === 'ENOENT') return;
    throw failed(`take over ${lockFile}`, lockFile, err);
  }
  const moved = readLockText(aside);
  if (moved !== staleText) {
    try {
      linkSync(aside, lockFile);
    } catch {
      // Someone else holds the lock by now; the next attempt sees them.
    }
  }
  rmSync(aside, { force: true });
}

function lockHandle(lockFile: string, holder: LockHolder, content: string): InstallLock {
  let released = false;
  const release = (): void => {
    if (released) return;
    released = true;
    if (readLockText(lockFile) === content) rmSync(lockFile, { force: true });
  };
  return { holder, release, [Symbol.dispose]: release };
}

function readLockText(lockFile: string): string | undefined {
  try {
    return readFileSync(lockFile, 'utf8');
  } catch (err: unknown) {
    if (errnoCode(err) === 'ENOENT') return undefined;
    throw failed(`read ${lockFile}`, lockFile, err);
  }
}

function parseHolder(text: string): LockHolder | undefined {
  try {
    const parsed = LockHolderSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
