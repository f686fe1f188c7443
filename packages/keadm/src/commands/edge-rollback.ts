// keadm edge rollback: restores a backup (edgecore.yaml, the database) and
// switches `current` back to its version. edgecore is stopped first; the lock
// is held throughout, so the launcher that supervisord/systemd restarts
// waits until the restore is complete and then starts the restored version.
import { KedgeError } from '@kedge/api';
import {
  listBackups,
  readConfigUpdateMarker,
  readInstalledVersion,
  readUpgradeMarker,
  restore,
  runningEdgecorePid,
  signalEdgecore,
  verifyBackup,
  waitForProcessExit,
  writeConfigUpdateMarker,
  writeUpgradeMarker,
  type InstallLayout,
} from '@kedge/installer';
import {
  EDGE_TARGET_OPTIONS,
  EDGE_TARGET_USAGE,
  edgeTarget,
  loadTargetConfig,
  requireInstallRoot,
  withInstallLock,
  writeFailureReport,
  writeReport,
} from './edge-target.ts';
import { parseCommandArgs, positiveInt, type KeadmIo } from './keadm-io.ts';

const EDGE_ROLLBACK_USAGE = `usage: keadm edge rollback [--history-version V] [--root DIR] [--config FILE] [--stop-timeout S]
Stops edgecore, restores edgecore.yaml and the database from <root>/backup/<V>/
and points <root>/current at versions/<V>; the launcher then starts V.
  --history-version V  the backup to restore (default: the newest)
  --stop-timeout S     seconds to wait for edgecore to stop (default 30)
${EDGE_TARGET_USAGE}
`;

const OPTIONS = {
  ...EDGE_TARGET_OPTIONS,
  'history-version': { type: 'string' },
  'stop-timeout': { type: 'string' },
} as const;

export async function runEdgeRollback(argv: readonly string[], io: KeadmIo): Promise<number> {
  const { values } = parseCommandArgs(argv, OPTIONS, EDGE_ROLLBACK_USAGE);
  if (values.help) {
    io.stdout.write(EDGE_ROLLBACK_USAGE);
    return 0;
  }
  const stopTimeoutMs = positiveInt('stop-timeout', values['stop-timeout'], 30, EDGE_ROLLBACK_USAGE) * 1000;
  const target = edgeTarget(values, io);
  const { layout } = target;
  requireInstallRoot(layout);
  return withInstallLock(layout, 'keadm edge rollback', async () => {
    const from = readInstalledVersion(layout) ?? '';
    let to = values['history-version'] ?? '';
    try {
      to ||= newestBackup(layout);
      verifyBackup(layout, to);
      const config = loadTargetConfig(target, io);
      await stopEdgecore(layout, stopTimeoutMs, io);
      const result = await restore(layout, to, {
        configFile: target.configFile,
        dbPath: config.database.dataSource,
      });
      settleMarkers(layout, to, io);
      writeReport(layout, { event: 'Rollback', success: true, fromVersion: from, toVersion: to }, io);
      io.stdout.write(
        `rolled back ${from || '(nothing)'} -> ${to}: restored ${result.restored.join(', ')}; current -> versions/${to}\n`,
      );
      return 0;
    } catch (err: unknown) {
      writeFailureReport(layout, { event: 'Rollback', fromVersion: from, toVersion: to }, err, io);
      throw err;
    }
  });
}

function newestBackup(layout: InstallLayout): string {
  const newest = listBackups(layout)[0];
  if (!newest) {
    throw new KedgeError(
      'KEDGE_INSTALL_INVALID',
      `--history-version: no backups in ${layout.backupDir} (run keadm edge backup first)`,
      { file: layout.backupDir, fields: ['--history-version'] },
    );
  }
  return newest.version;
}

async function stopEdgecore(layout: InstallLayout, timeoutMs: number, io: KeadmIo): Promise<void> {
  const pid = runningEdgecorePid(layout);
  if (pid === undefined) return;
  io.stdout.write(`stopping edgecore (pid ${pid})\n`);
  signalEdgecore(layout, 'SIGTERM');
  if (!(await waitForProcessExit(pid, timeoutMs, io.clock))) {
    throw new KedgeError(
      'KEDGE_INSTALL_FAILED',
      `edgecore (pid ${pid}) did not stop within ${timeoutMs / 1000}s; nothing was restored`,
      { file: layout.pidFile, pid },
    );
  }
}

/** A trial still running is over: the operator rolled back. */
function settleMarkers(layout: InstallLayout, to: string, io: KeadmIo): void {
  const now = new Date(io.clock.now()).toISOString();
  const reason = `rolled back to the backup of ${to} by keadm edge rollback`;
  const upgrade = readUpgradeMarker(layout);
  if (upgrade?.phase === 'switching')
    writeUpgradeMarker(layout, { ...upgrade, phase: 'rolledBack', reason, updatedAt: now });
  const config = readConfigUpdateMarker(layout);
  if (config?.phase === 'switching') {
    writeConfigUpdateMarker(layout, { ...config, phase: 'rolledBack', reason, updatedAt: now });
  }
}
