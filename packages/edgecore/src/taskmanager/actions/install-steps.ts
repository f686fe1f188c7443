// Small steps the install-changing actions share: holding the install lock
// while they work, and the backup of the running version.
import type { Logger } from '@kedge/runtime';
import { backup, waitForInstallLock, type InstallLayout } from '@kedge/installer';
import type { NodeTaskEnv } from './node-task-env.ts';

/** Runs `fn` holding state/lock; waits up to env.lockTimeoutMs for another holder (keadm, the launcher). */
export async function withInstallLock<T>(
  env: NodeTaskEnv,
  layout: InstallLayout,
  command: string,
  signal: AbortSignal,
  log: Logger,
  fn: () => Promise<T> | T,
): Promise<T> {
  const lock = await waitForInstallLock(layout, {
    command,
    timeoutMs: env.lockTimeoutMs,
    clock: env.clock,
    signal,
    onWaiting: (holder) => log.info({ holder }, `waiting for the install lock held by: ${holder.command}`),
  });
  try {
    return await fn();
  } finally {
    lock.release();
  }
}

/** backup/<version>/ of the running version: config file and database. */
export async function backupRunningVersion(
  env: NodeTaskEnv,
  layout: InstallLayout,
  configFile: string,
): Promise<string> {
  const result = await backup(layout, {
    version: env.version,
    configFile,
    dbPath: env.dataSource,
    now: env.clock.now(),
  });
  return result.dir;
}
