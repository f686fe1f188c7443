// What `keadm edge ...` commands work on: the install root, edgecore.yaml
// (and the database and node name it names), the install lock, the report
// file and the running edgecore they restart.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { KedgeError, errorMessage } from '@kedge/api';
import { loadEdgeCoreConfig, type EdgeCoreConfig } from '@kedge/edgecore';
import {
  DEFAULT_INSTALL_ROOT,
  INSTALL_ROOT_ENV,
  acquireInstallLock,
  installLayout,
  signalEdgecore,
  writeUpgradeReport,
  type InstallLayout,
  type UpgradeReport,
} from '@kedge/installer';
import type { KeadmIo } from './keadm-io.ts';

export const DEFAULT_EDGECORE_CONFIG = '/etc/kedge/edgecore.yaml';

/** Flags every `keadm edge` command takes. */
export const EDGE_TARGET_OPTIONS = {
  root: { type: 'string' },
  config: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const EDGE_TARGET_USAGE = `  --root DIR     install root (default $${INSTALL_ROOT_ENV}, else ${DEFAULT_INSTALL_ROOT})
  --config FILE  edgecore.yaml (default ${DEFAULT_EDGECORE_CONFIG})`;

export interface EdgeTarget {
  layout: InstallLayout;
  configFile: string;
}

export function edgeTarget(
  values: { root?: string | undefined; config?: string | undefined },
  io: KeadmIo,
): EdgeTarget {
  const root = values.root ?? (io.env[INSTALL_ROOT_ENV] || DEFAULT_INSTALL_ROOT);
  return { layout: installLayout(root), configFile: resolve(values.config ?? DEFAULT_EDGECORE_CONFIG) };
}

/** Refuses a root that `keadm edge install` did not create, before anything is written there. */
export function requireInstallRoot(layout: InstallLayout): void {
  if (!existsSync(layout.current)) {
    throw new KedgeError(
      'KEDGE_INSTALL_INVALID',
      `--root: nothing is installed under ${layout.root} (no ${layout.current}; keadm edge install creates it)`,
      { file: layout.current, fields: ['--root'] },
    );
  }
}

/** The effective edgecore config of `configFile` (for database.dataSource and the node name). */
export function loadTargetConfig(target: EdgeTarget, io: KeadmIo): EdgeCoreConfig {
  if (!existsSync(target.configFile)) {
    throw new KedgeError('KEDGE_CONFIG_UNREADABLE', `--config: ${target.configFile} does not exist`, {
      file: target.configFile,
      fields: ['--config'],
    });
  }
  const text = readFileSync(target.configFile, 'utf8');
  return loadEdgeCoreConfig({ file: target.configFile, text, env: io.env });
}

/** Runs `fn` holding the install lock (KEDGE_INSTALL_LOCKED when another operation runs). */
export async function withInstallLock<T>(
  layout: InstallLayout,
  command: string,
  fn: () => Promise<T>,
): Promise<T> {
  const lock = acquireInstallLock(layout, { command });
  try {
    return await fn();
  } finally {
    lock.release();
  }
}

/** Writes upgrade_report.json; a failure to write it is reported but does not hide the command's own result. */
export function writeReport(layout: InstallLayout, report: Omit<UpgradeReport, 'time'>, io: KeadmIo): void {
  try {
    writeUpgradeReport(layout, { ...report, time: new Date(io.clock.now()).toISOString() });
  } catch (err: unknown) {
    io.stderr.write(`warning: could not write ${layout.reportFile}: ${errorMessage(err)}\n`);
  }
}

/** Writes the report of an operation that failed with `err`; the caller then rethrows it. */
export function writeFailureReport(
  layout: InstallLayout,
  report: Pick<UpgradeReport, 'event' | 'fromVersion' | 'toVersion'>,
  err: unknown,
  io: KeadmIo,
): void {
  writeReport(
    layout,
    {
      event: report.event,
      success: false,
      fromVersion: report.fromVersion,
      toVersion: report.toVersion,
      errorMessage: errorMessage(err),
    },
    io,
  );
}

/** Asks the running edgecore to restart (SIGTERM to state/edgecore.pid) and says what happened. */
export function restartEdgecore(layout: InstallLayout, io: KeadmIo, what: string): void {
  const pid = signalEdgecore(layout, 'SIGTERM');
  io.stdout.write(
    pid === undefined
      ? `edgecore is not running (no live pid in ${layout.pidFile}); ${what} takes effect at its next start\n`
      : `asked edgecore (pid ${pid}) to restart; ${what} takes effect when the launcher starts it again\n`,
  );
}
