// upgrade_report.json, as keadm writes it in KubeEdge: the result of the last
// keadm edge backup / upgrade / rollback / config-update, for the operator and
// for the next edgecore start.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { KedgeError } from '@kedge/api';
import { errnoCode, failed, writeFileDurable } from './durable-fs.ts';
import type { InstallLayout } from './install-layout.ts';

const UpgradeReportSchema = z.object({
  event: z.enum(['Backup', 'Upgrade', 'Rollback', 'ConfigUpdate']),
  success: z.boolean(),
  fromVersion: z.string(),
  toVersion: z.string(),
  errorMessage: z.string().optional(),
  /** When the command finished (ISO). Not in KubeEdge's file. */
  time: z.string().optional(),
});
export type UpgradeReport = z.infer<typeof UpgradeReportSchema>;

export function writeUpgradeReport(layout: InstallLayout, report: UpgradeReport): void {
  writeFileDurable(layout.reportFile, JSON.stringify(UpgradeReportSchema.parse(report), null, 2) + '\n');
}

export function readUpgradeReport(layout: InstallLayout): UpgradeReport | undefined {
  let text: string;
  try {
    text = readFileSync(layout.reportFile, 'utf8');
  } catch (err: unknown) {
    if (errnoCode(err) === 'ENOENT') return undefined;
    throw failed(`read ${layout.reportFile}`, layout.reportFile, err);
  }
  try {
    return UpgradeReportSchema.parse(JSON.parse(text));
  } catch {
    throw new KedgeError('KEDGE_INSTALL_INVALID', `${layout.reportFile}: not a valid upgrade report`, {
      file: layout.reportFile,
    });
  }
}
