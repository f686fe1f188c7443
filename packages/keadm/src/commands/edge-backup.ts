// keadm edge backup: copies edgecore.yaml and the edge database of the
// running version into <root>/backup/<version>/ (see @kedge/edgecore backup()).
import { KedgeError } from '@kedge/api';
import { backup, readInstalledVersion } from '@kedge/installer';
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
import { parseCommandArgs, type KeadmIo } from './keadm-io.ts';

const EDGE_BACKUP_USAGE = `usage: keadm edge backup [--root DIR] [--config FILE]
Backs up edgecore.yaml and the edge database (database.dataSource) of the
installed version into <root>/backup/<version>/ with a manifest of sha256s.
${EDGE_TARGET_USAGE}
`;

export async function runEdgeBackup(argv: readonly string[], io: KeadmIo): Promise<number> {
  const { values } = parseCommandArgs(argv, EDGE_TARGET_OPTIONS, EDGE_BACKUP_USAGE);
  if (values.help) {
    io.stdout.write(EDGE_BACKUP_USAGE);
    return 0;
  }
  const target = edgeTarget(values, io);
  const { layout } = target;
  requireInstallRoot(layout);
  return withInstallLock(layout, 'keadm edge backup', async () => {
    let version = '';
    try {
      version = readInstalledVersion(layout) ?? '';
      if (!version) {
        throw new KedgeError(
          'KEDGE_INSTALL_INVALID',
          `--root: nothing is installed under ${layout.root} (no current version)`,
          {
            file: layout.current,
          },
        );
      }
      const config = loadTargetConfig(target, io);
      const result = await backup(layout, {
        version,
        configFile: target.configFile,
        dbPath: config.database.dataSource,
        now: io.clock.now(),
      });
      writeReport(layout, { event: 'Backup', success: true, fromVersion: '', toVersion: version }, io);
      const files = result.manifest.files.map((f) => `${f.name} (${f.bytes} bytes)`).join(', ');
      io.stdout.write(`backed up ${version} to ${result.dir}: ${files}\n`);
      return 0;
    } catch (err: unknown) {
      writeFailureReport(layout, { event: 'Backup', fromVersion: '', toVersion: version }, err, io);
      throw err;
    }
  });
}
