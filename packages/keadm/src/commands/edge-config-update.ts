// keadm edge config-update --set k=v,...: edits edgecore.yaml as written
// (updateEdgeCoreConfigText validates every field first), keeps the old file
// as edgecore.yaml.previous and restarts edgecore with the new one on trial;
// if it does not come up connected, the launcher puts the previous file back.
import { readFileSync } from 'node:fs';
import { updateEdgeCoreConfigText } from '@kedge/edgecore';
import { beginConfigUpdate, readConfigUpdateMarker, readInstalledVersion } from '@kedge/installer';
import {
  EDGE_TARGET_OPTIONS,
  EDGE_TARGET_USAGE,
  edgeTarget,
  loadTargetConfig,
  restartEdgecore,
  requireInstallRoot,
  withInstallLock,
  writeFailureReport,
  writeReport,
} from './edge-target.ts';
import { parseCommandArgs, positiveInt, usageError, type KeadmIo } from './keadm-io.ts';
import { parseSetFlag } from './set-flag.ts';
import { waitForTrialAndReport } from './wait-trial.ts';

const EDGE_CONFIG_UPDATE_USAGE = `usage: keadm edge config-update --set KEY=VALUE[,KEY=VALUE...] [--timeout S] [--wait]
                                [--root DIR] [--config FILE]
Changes fields of edgecore.yaml (json paths, e.g. modules.edgeHub.heartbeat=30),
keeps the old file as edgecore.yaml.previous and restarts edgecore; if it does
not come up connected within --timeout, the previous file is put back.
  --set PAIRS  the fields to change; values in KubeEdge's syntax ({k:v}, [a,b], "quoted")
  --timeout S  seconds the new config gets to come up healthy and connected (default 300)
  --wait       wait for the outcome (exit 1 if the old file was restored)
${EDGE_TARGET_USAGE}
`;

const OPTIONS = {
  ...EDGE_TARGET_OPTIONS,
  set: { type: 'string', multiple: true },
  timeout: { type: 'string' },
  wait: { type: 'boolean' },
} as const;

export async function runEdgeConfigUpdate(argv: readonly string[], io: KeadmIo): Promise<number> {
  const { values } = parseCommandArgs(argv, OPTIONS, EDGE_CONFIG_UPDATE_USAGE);
  if (values.help) {
    io.stdout.write(EDGE_CONFIG_UPDATE_USAGE);
    return 0;
  }
  if (!values.set?.length) throw usageError('--set: required', EDGE_CONFIG_UPDATE_USAGE);
  const updateFields = parseSetFlag(values.set.join(','));
  const timeoutMs = positiveInt('timeout', values.timeout, 300, EDGE_CONFIG_UPDATE_USAGE) * 1000;
  const target = edgeTarget(values, io);
  const { layout, configFile } = target;

  requireInstallRoot(layout);
  const started = await withInstallLock(layout, 'keadm edge config-update', async () => {
    const version = readInstalledVersion(layout) ?? '';
    try {
      const node = loadTargetConfig(target, io).modules.edged.hostnameOverride;
      const text = readFileSync(configFile, 'utf8');
      const update = updateEdgeCoreConfigText({ text, file: configFile, updateFields, env: io.env });
      if (!update.changed) {
        writeReport(
          layout,
          { event: 'ConfigUpdate', success: true, fromVersion: '', toVersion: version },
          io,
        );
        io.stdout.write(`${configFile} already has these values; nothing changed, no restart\n`);
        return undefined;
      }
      const now = io.clock.now();
      const marker = beginConfigUpdate(layout, {
        configFile,
        text: update.text,
        job: '',
        node,
        jobUid: '',
        deadlineMs: now + timeoutMs,
        now,
      });
      io.stdout.write(
        `updated ${configFile} (${Object.keys(updateFields).join(', ')}); previous kept as ${marker.previousFile}\n`,
      );
      writeReport(layout, { event: 'ConfigUpdate', success: true, fromVersion: '', toVersion: version }, io);
      restartEdgecore(layout, io, 'the new config');
      return { marker, version };
    } catch (err: unknown) {
      writeFailureReport(layout, { event: 'ConfigUpdate', fromVersion: '', toVersion: version }, err, io);
      throw err;
    }
  });
  if (!values.wait || !started) return 0;

  const { success, ...outcome } = await waitForTrialAndReport(
    layout,
    () => readConfigUpdateMarker(layout),
    started.marker,
    io,
    'the new config',
    { event: 'ConfigUpdate', fromVersion: '', toVersion: started.version },
  );
  io.stdout.write(
    success
      ? 'the new config is healthy and connected: committed\n'
      : `config update ${outcome.phase}: ${outcome.reason ?? ''}\n`,
  );
  return success ? 0 : 1;
}
