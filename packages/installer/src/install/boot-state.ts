// What the launcher runs. Before every edgecore start it settles the markers
// (docs/node-tasks.md): a version or config on trial gets another start, or is
// rolled back when it has exited too often or outlived its deadline; a switch
// interrupted before the rename is marked aborted. Then it names the release
// `current` points at and the script to start.
import { statSync } from 'node:fs';
import { basename } from 'node:path';
import { KedgeError, errorMessage } from '@kedge/api';
import { readIfExists, sha256Of, writeFileDurable } from './durable-fs.ts';
import { failedConfigFile } from './config-update.ts';
import { versionDir, type InstallLayout } from './install-layout.ts';
import {
  MAX_TRIAL_STARTS,
  readConfigUpdateMarker,
  readUpgradeMarker,
  trialWindow,
  writeConfigUpdateMarker,
  writeUpgradeMarker,
  type ConfigUpdateMarker,
  type UpgradeMarker,
} from './markers.ts';
import { currentVersion, readReleaseVersion, releaseEntry } from './release-dir.ts';
import { switchCurrent } from './switch-current.ts';

interface BootNote {
  level: 'info' | 'warn' | 'error';
  marker: 'upgrade' | 'configUpdate';
  /** e.g. "trial start 2 of 3", "rolled back", "aborted", "marker unreadable; ignored". */
  msg: string;
  fields: Record<string, unknown>;
}

/** A marker still `switching` after this boot: the launcher watches its deadline. */
export interface BootTrial {
  kind: 'upgrade' | 'configUpdate';
  deadlineMs: number;
  /** Identifies the trial (with kind): the marker's startedAt. */
  startedAt: string;
  jobUid: string;
}

export interface BootState {
  /** The version `current` points at after resolution. */
  version: string;
  /** versions/<version>. */
  releaseDir: string;
  /** The script to run: <releaseDir>/edgecore.mjs, else <releaseDir>/packages/edgecore/src/main.ts. */
  entry: string;
  /** The markers after resolution (undefined when absent or unreadable). */
  upgrade: UpgradeMarker | undefined;
  configUpdate: ConfigUpdateMarker | undefined;
  trials: BootTrial[];
  /** Every decision taken, for the launcher's log. */
  notes: BootNote[];
}

/**
 * Settles the markers and picks the release to run. Call with the install lock
 * held. Throws KEDGE_INSTALL_INVALID when nothing runnable is installed.
 */
export function resolveBootState(layout: InstallLayout, options: { now?: number } = {}): BootState {
  const now = options.now ?? Date.now();
  const notes: BootNote[] = [];
  const trials: BootTrial[] = [];
  const upgrade = resolveUpgrade(layout, now, notes, trials);
  const configUpdate = resolveConfigUpdate(layout, now, notes, trials);
  const version = currentVersion(layout);
  if (version === undefined) {
    throw new KedgeError(
      'KEDGE_INSTALL_INVALID',
      `${layout.current}: does not exist; nothing is installed under ${layout.root} (run keadm edge install)`,
      { file: layout.current },
    );
  }
  const releaseDir = versionDir(layout, version);
  const entry = releaseEntry(releaseDir);
  if (!entry) {
    throw new KedgeError(
      'KEDGE_INSTALL_INVALID',
      `${releaseDir}: no edgecore.mjs or packages/edgecore/src/main.ts`,
      {
        file: releaseDir,
        version,
      },
    );
  }
  return { version, releaseDir, entry, upgrade, configUpdate, trials, notes };
}

/** True while the trial the launcher started is still `switching` (not committed, not replaced). */
export function isTrialPending(layout: InstallLayout, trial: BootTrial): boolean {
  const marker = trial.kind === 'upgrade' ? readUpgradeMarker(layout) : readConfigUpdateMarker(layout);
  return marker?.phase === 'switching' && marker.startedAt === trial.startedAt;
}

function resolveUpgrade(
  layout: InstallLayout,
  now: number,
  notes: BootNote[],
  trials: BootTrial[],
): UpgradeMarker | undefined {
  const note = (level: BootNote['level'], msg: string, fields: Record<string, unknown>): void => {
    notes.push({ level, marker: 'upgrade', msg, fields });
  };
  let m: UpgradeMarker | undefined;
  try {
    m = readUpgradeMarker(layout);
  } catch (err: unknown) {
    note('error', 'upgrade marker unreadable; ignored', {
      file: layout.upgradeMarker,
      err: errorMessage(err),
    });
    return undefined;
  }
  if (m?.phase !== 'switching') return m;
  const stamp = new Date(now).toISOString();
  const cur = currentVersion(layout);
  const fields = { from: m.from, to: m.to, job: m.job, current: cur };
  if (cur !== m.to) {
    const reason =
      cur === m.from
        ? 'interrupted before switching'
        : `current points at ${cur ?? 'nothing'}, neither ${m.from} nor ${m.to}`;
    const aborted: UpgradeMarker = { ...m, phase: 'aborted', reason, updatedAt: stamp };
    writeUpgradeMarker(layout, aborted);
    note('warn', 'upgrade aborted', { ...fields, reason });
    return aborted;
  }
  const attempts = m.attempts + 1;
  const reason =
    attempts > MAX_TRIAL_STARTS
      ? `${m.to} exited ${MAX_TRIAL_STARTS} times`
      : now > Date.parse(m.deadline)
        ? `${m.to} did not come up healthy and connected within ${trialWindow(m)}`
        : undefined;
  if (reason === undefined) {
    const onTrial: UpgradeMarker = { ...m, attempts, updatedAt: stamp };
    writeUpgradeMarker(layout, onTrial);
    trials.push({
      kind: 'upgrade',
      deadlineMs: Date.parse(m.deadline),
      startedAt: m.startedAt,
      jobUid: m.jobUid,
    });
    note('info', `trial start ${attempts} of ${MAX_TRIAL_STARTS}`, { ...fields, deadline: m.deadline });
    return onTrial;
  }
  if (readReleaseVersion(versionDir(layout, m.from)) !== m.from) {
    const why = `${reason}; cannot roll back: ${versionDir(layout, m.from)} is missing`;
    const stuck: UpgradeMarker = { ...m, attempts, phase: 'failed', reason: why, updatedAt: stamp };
    writeUpgradeMarker(layout, stuck);
    note('error', 'upgrade failed and cannot be rolled back; keeping the new version', {
      ...fields,
      reason: why,
    });
    return stuck;
  }
  // Switch first: a crash between the two steps leaves `current` at `from`, which the next boot reads as aborted.
  switchCurrent(layout, m.from);
  const rolledBack: UpgradeMarker = { ...m, attempts, phase: 'rolledBack', reason, updatedAt: stamp };
  writeUpgradeMarker(layout, rolledBack);
  note('warn', `rolled back to ${m.from}`, { ...fields, reason });
  return rolledBack;
}

function resolveConfigUpdate(
  layout: InstallLayout,
  now: number,
  notes: BootNote[],
  trials: BootTrial[],
): ConfigUpdateMarker | undefined {
  const note = (level: BootNote['level'], msg: string, fields: Record<string, unknown>): void => {
    notes.push({ level, marker: 'configUpdate', msg, fields });
  };
  let m: ConfigUpdateMarker | undefined;
  try {
    m = readConfigUpdateMarker(layout);
  } catch (err: unknown) {
    note('error', 'config update marker unreadable; ignored', {
      file: layout.configUpdateMarker,
      err: errorMessage(err),
    });
    return undefined;
  }
  if (m?.phase !== 'switching') return m;
  const stamp = new Date(now).toISOString();
  const name = basename(m.configFile);
  const content = readIfExists(m.configFile);
  const sha = content === undefined ? undefined : sha256Of(content);
  const fields = { file: m.configFile, job: m.job };
  if (sha !== m.newSha256) {
    const reason =
      sha === m.previousSha256
        ? `interrupted before the new ${name} was written`
        : `${m.configFile} was changed outside this config update`;
    const aborted: ConfigUpdateMarker = { ...m, phase: 'aborted', reason, updatedAt: stamp };
    writeConfigUpdateMarker(layout, aborted);
    note('warn', 'config update aborted', { ...fields, reason });
    return aborted;
  }
  const attempts = m.attempts + 1;
  const cause = m.lastError === undefined ? '' : ` (last error: ${m.lastError})`;
  const reason =
    attempts > MAX_TRIAL_STARTS
      ? `edgecore exited ${MAX_TRIAL_STARTS} times with the new ${name}${cause}`
      : now > Date.parse(m.deadline)
        ? `edgecore did not come up healthy and connected within ${trialWindow(m)} with the new ${name}${cause}`
        : undefined;
  if (reason === undefined) {
    const onTrial: ConfigUpdateMarker = { ...m, attempts, updatedAt: stamp };
    writeConfigUpdateMarker(layout, onTrial);
    trials.push({
      kind: 'configUpdate',
      deadlineMs: Date.parse(m.deadline),
      startedAt: m.startedAt,
      jobUid: m.jobUid,
    });
    note('info', `config trial start ${attempts} of ${MAX_TRIAL_STARTS}`, {
      ...fields,
      deadline: m.deadline,
    });
    return onTrial;
  }
  const previous = readIfExists(m.previousFile);
  if (previous === undefined || sha256Of(previous) !== m.previousSha256) {
    const why = `${reason}; cannot roll back: ${m.previousFile} is ${previous === undefined ? 'missing' : 'not the saved content'}`;
    const stuck: ConfigUpdateMarker = { ...m, attempts, phase: 'failed', reason: why, updatedAt: stamp };
    writeConfigUpdateMarker(layout, stuck);
    note('error', 'config update failed and cannot be rolled back; keeping the new file', {
      ...fields,
      reason: why,
    });
    return stuck;
  }
  const mode = statSync(m.configFile).mode & 0o777;
  writeFileDurable(failedConfigFile(m.configFile), content ?? '', mode);
  writeFileDurable(m.configFile, previous, mode);
  const rolledBack: ConfigUpdateMarker = { ...m, attempts, phase: 'rolledBack', reason, updatedAt: stamp };
  writeConfigUpdateMarker(layout, rolledBack);
  note('warn', `restored the previous ${name}`, { ...fields, reason, kept: failedConfigFile(m.configFile) });
  return rolledBack;
}
