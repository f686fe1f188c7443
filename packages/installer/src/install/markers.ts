// The two restart markers (docs/node-tasks.md): state/upgrade.json and
// state/config-update.json. Each records one attempt to run something new
// (a version, a config file) across a restart, so the next process - the
// launcher first, then edgecore - knows whether to keep it, roll it back or
// report it. Written with fsync + rename; validated on every read.
import { mkdirSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { KedgeError } from '@kedge/api';
import { errnoCode, failed, writeFileDurable } from './durable-fs.ts';
import type { InstallLayout } from './install-layout.ts';

/** How many starts a new version / config gets before it is rolled back (docs: attempts > 3). */
export const MAX_TRIAL_STARTS = 3;

const UpgradePhase = {
  /** The new release is unpacked and verified; nothing switched yet. */
  staged: 'staged',
  /** `current` is being (or has been) switched to `to`; the new version is on trial. */
  switching: 'switching',
  /** The new version came up healthy and connected: it stays. */
  committed: 'committed',
  /** The new version failed its trial; `current` points at `from` again. */
  rolledBack: 'rolledBack',
  /** The switch never happened (crash before the rename): `from` still runs. */
  aborted: 'aborted',
  /** The new version failed and `from` could not be restored; `to` keeps running. */
  failed: 'failed',
} as const;
type UpgradePhase = (typeof UpgradePhase)[keyof typeof UpgradePhase];

const timestamp = z.iso.datetime({ offset: true });

/** Who asked: a node task (job, jobUid set) or an operator (`keadm edge ...`; job and jobUid empty). */
const origin = {
  job: z.string(),
  node: z.string(),
  jobUid: z.string(),
};

const trial = {
  /** When the marker was first written. */
  startedAt: timestamp,
  /** The new thing must be committed by then, or it is rolled back. */
  deadline: timestamp,
  /** Starts of the new thing so far (the launcher counts them). */
  attempts: z.number().int().min(0),
  /** Why the trial ended as it did (rolledBack, aborted, failed). */
  reason: z.string().optional(),
  updatedAt: timestamp,
};

const UpgradeMarkerSchema = z.object({
  phase: z.enum(Object.values(UpgradePhase) as [UpgradePhase, ...UpgradePhase[]]),
  from: z.string().min(1),
  to: z.string().min(1),
  ...origin,
  ...trial,
});
export type UpgradeMarker = z.infer<typeof UpgradeMarkerSchema>;

const ConfigUpdatePhase = {
  /** The new edgecore.yaml is (being) written; edgecore restarts with it on trial. */
  switching: 'switching',
  committed: 'committed',
  /** The new file failed its trial; the previous one is back in place. */
  rolledBack: 'rolledBack',
  /** The new file was never written (crash before the rename) or someone else changed the file. */
  aborted: 'aborted',
  /** The new file failed and the previous one could not be restored; the new one stays. */
  failed: 'failed',
} as const;
type ConfigUpdatePhase = (typeof ConfigUpdatePhase)[keyof typeof ConfigUpdatePhase];

const ConfigUpdateMarkerSchema = z.object({
  phase: z.enum(Object.values(ConfigUpdatePhase) as [ConfigUpdatePhase, ...ConfigUpdatePhase[]]),
  /** The edgecore.yaml that was updated (absolute). */
  configFile: z.string().min(1),
  /** Where the old content is kept: `<configFile>.previous`. */
  previousFile: z.string().min(1),
  previousSha256: z.string().regex(/^[0-9a-f]{64}$/),
  newSha256: z.string().regex(/^[0-9a-f]{64}$/),
  ...origin,
  ...trial,
  /** Why edgecore last failed to start with the new file (it records this itself before exiting). */
  lastError: z.string().optional(),
});
export type ConfigUpdateMarker = z.infer<typeof ConfigUpdateMarkerSchema>;

export function readUpgradeMarker(layout: InstallLayout): UpgradeMarker | undefined {
  return readMarker(layout.upgradeMarker, UpgradeMarkerSchema);
}

export function writeUpgradeMarker(layout: InstallLayout, marker: UpgradeMarker): void {
  writeMarker(layout, layout.upgradeMarker, UpgradeMarkerSchema, marker);
}

export function readConfigUpdateMarker(layout: InstallLayout): ConfigUpdateMarker | undefined {
  return readMarker(layout.configUpdateMarker, ConfigUpdateMarkerSchema);
}

export function writeConfigUpdateMarker(layout: InstallLayout, marker: ConfigUpdateMarker): void {
  writeMarker(layout, layout.configUpdateMarker, ConfigUpdateMarkerSchema, marker);
}

/** Human form of a trial window: "120s". */
export function trialWindow(marker: { startedAt: string; deadline: string }): string {
  const ms = Date.parse(marker.deadline) - Date.parse(marker.startedAt);
  return `${Math.max(0, Math.round(ms / 1000))}s`;
}

function readMarker<T>(file: string, schema: z.ZodType<T>): T | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err: unknown) {
    if (errnoCode(err) === 'ENOENT') return undefined;
    throw failed(`read ${file}`, file, err);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new KedgeError('KEDGE_INSTALL_INVALID', `${file}: not valid JSON`, { file });
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new KedgeError('KEDGE_INSTALL_INVALID', `${file}: ${problems.join('; ')}`, {
      file,
      fields: parsed.error.issues.map((i) => i.path.join('.')),
    });
  }
  return parsed.data;
}

function writeMarker<T>(layout: InstallLayout, file: string, schema: z.ZodType<T>, marker: T): void {
  const parsed = schema.safeParse(marker);
  if (!parsed.success) {
    throw new KedgeError(
      'KEDGE_INTERNAL',
      `refusing to write an invalid marker ${file}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      { file },
    );
  }
  mkdirSync(layout.stateDir, { recursive: true });
  writeFileDurable(file, JSON.stringify(parsed.data, null, 2) + '\n');
}
