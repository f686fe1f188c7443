// A config update across a restart: the old edgecore.yaml is kept as
// edgecore.yaml.previous, the marker `switching` records both contents'
// sha256, the new file is written atomically, edgecore restarts, and the new
// process commits once connected. Otherwise the launcher puts the previous
// file back (boot-state.ts).
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { KedgeError, errorMessage } from '@kedge/api';
import { failpoint } from '@kedge/runtime';
import { errnoCode, failed, readIfExists, sha256Of, writeFileDurable } from './durable-fs.ts';
import { acquireInstallLock } from './install-lock.ts';
import type { InstallLayout } from './install-layout.ts';
import { readConfigUpdateMarker, writeConfigUpdateMarker, type ConfigUpdateMarker } from './markers.ts';
import { commitTrial, type CommitResult } from './commit-trial.ts';

export interface ConfigUpdateRequest {
  /** The edgecore.yaml edgecore runs with. */
  configFile: string;
  /** Its new content (e.g. updateEdgeCoreConfigText(...).text); must differ from the current content. */
  text: string;
  /** Job name, node name and job uid; job and jobUid are "" for `keadm edge config-update`. */
  job: string;
  node: string;
  jobUid: string;
  /** Absolute time (epoch ms) by which the new config must be committed, or it is rolled back. */
  deadlineMs: number;
  now?: number;
}

/** `<configFile>.previous`: the content before the last config update. */
export function previousConfigFile(configFile: string): string {
  return `${resolve(configFile)}.previous`;
}

/** `<configFile>.failed`: a config update's content after the launcher rolled it back. */
export function failedConfigFile(configFile: string): string {
  return `${resolve(configFile)}.failed`;
}

/** Failpoints on the way (KEDGE_FAILPOINTS), in order; a kill at any of them leaves a valid edgecore.yaml. */
const CONFIG_UPDATE_FAILPOINTS = {
  /** `.previous` written, marker not yet. */
  afterPrevious: 'config-update.after-previous',
  /** Marker `switching` written, the new file not yet. */
  afterMarker: 'config-update.after-marker',
  /** The new content is in a temp file beside edgecore.yaml, fsynced, not yet renamed over it. */
  midWrite: 'config-update.mid-write',
} as const;

/**
 * Keeps the old file as `.previous`, writes the marker `switching`, then the
 * new file (each durably; the new file by temp + fsync + rename, so edgecore.yaml
 * is always either the old or the new content). The caller then has edgecore
 * restart. Re-running it for the same job and text after a crash is safe.
 */
export function beginConfigUpdate(layout: InstallLayout, req: ConfigUpdateRequest): ConfigUpdateMarker {
  const configFile = resolve(req.configFile);
  const now = new Date(req.now ?? Date.now()).toISOString();
  const old = readConfig(configFile);
  const newSha256 = sha256Of(req.text);
  const oldSha256 = sha256Of(old);
  const mode = statSync(configFile).mode & 0o777;
  const existing = readConfigUpdateMarker(layout);
  if (existing?.phase === 'switching') {
    const resumable =
      existing.jobUid === req.jobUid &&
      existing.configFile === configFile &&
      existing.newSha256 === newSha256;
    if (!resumable) {
      throw new KedgeError(
        'KEDGE_INSTALL_INVALID',
        `${layout.configUpdateMarker}: the config update of job "${existing.job}" is still on trial until ${existing.deadline}`,
        { file: layout.configUpdateMarker },
      );
    }
    if (oldSha256 === newSha256) return existing; // written before the crash
    removeTempLeftovers(configFile);
    writeFileDurable(configFile, req.text, mode, () => failpoint(CONFIG_UPDATE_FAILPOINTS.midWrite));
    return existing;
  }
  if (oldSha256 === newSha256) {
    throw new KedgeError('KEDGE_INSTALL_INVALID', `${configFile}: the update changes nothing`, {
      file: configFile,
    });
  }
  removeTempLeftovers(configFile);
  const previousFile = previousConfigFile(configFile);
  writeFileDurable(previousFile, old, mode);
  failpoint(CONFIG_UPDATE_FAILPOINTS.afterPrevious);
  const marker: ConfigUpdateMarker = {
    phase: 'switching',
    configFile,
    previousFile,
    previousSha256: oldSha256,
    newSha256,
    job: req.job,
    node: req.node,
    jobUid: req.jobUid,
    startedAt: now,
    deadline: new Date(req.deadlineMs).toISOString(),
    attempts: 0,
    updatedAt: now,
  };
  writeConfigUpdateMarker(layout, marker);
  failpoint(CONFIG_UPDATE_FAILPOINTS.afterMarker);
  writeFileDurable(configFile, req.text, mode, () => failpoint(CONFIG_UPDATE_FAILPOINTS.midWrite));
  return marker;
}

/** Temp files of an earlier write of `configFile` that died before its rename (the caller holds the install lock). */
function removeTempLeftovers(configFile: string): void {
  const prefix = `.${basename(configFile)}.tmp-`;
  for (const name of readdirSync(dirname(configFile))) {
    if (name.startsWith(prefix)) rmSync(join(dirname(configFile), name), { force: true });
  }
}

const MAX_LAST_ERROR = 500;

/**
 * Called by an edgecore that failed to start. When it was started with the
 * config on trial (`switching`, same content), the marker keeps `error` as
 * `lastError`, and the launcher's rollback reason quotes it. Returns whether
 * it was recorded; never throws (the caller is already failing).
 */
export function recordConfigTrialFailure(
  layout: InstallLayout,
  options: { configFile: string; error: string; now?: number },
): { recorded: boolean; problem?: string } {
  try {
    const content = readIfExists(resolve(options.configFile));
    const marker = readConfigUpdateMarker(layout);
    if (content === undefined || marker?.phase !== 'switching' || marker.newSha256 !== sha256Of(content)) {
      return { recorded: false };
    }
    const lock = acquireInstallLock(layout, { command: 'edgecore (recording a failed start)' });
    try {
      const fresh = readConfigUpdateMarker(layout);
      if (fresh?.phase !== 'switching' || fresh.startedAt !== marker.startedAt) return { recorded: false };
      const error = oneLine(options.error);
      writeConfigUpdateMarker(layout, {
        ...fresh,
        lastError: error.length > MAX_LAST_ERROR ? `${error.slice(0, MAX_LAST_ERROR - 3)}...` : error,
        updatedAt: new Date(options.now ?? Date.now()).toISOString(),
      });
      return { recorded: true };
    } finally {
      lock.release();
    }
  } catch (err: unknown) {
    return { recorded: false, problem: errorMessage(err) };
  }
}

function oneLine(text: string): string {
  return text.trim().replace(/\s*\n\s*/g, '; ');
}

/**
 * Called by edgecore once healthy and connected: commits a pending config
 * update if this process was started with the new file (`loadedConfigSha256`:
 * sha256 of the bytes it loaded at start). Idempotent.
 */
export function commitConfigUpdate(
  layout: InstallLayout,
  options: { loadedConfigSha256: string; now?: number },
): CommitResult<ConfigUpdateMarker> {
  const loadedIt = (marker: ConfigUpdateMarker): boolean => marker.newSha256 === options.loadedConfigSha256;
  return commitTrial(
    readConfigUpdateMarker(layout),
    { isNew: loadedIt, onTrial: loadedIt },
    (committed) => writeConfigUpdateMarker(layout, committed),
    options.now ?? Date.now(),
  );
}

function readConfig(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err: unknown) {
    if (errnoCode(err) === 'ENOENT') {
      throw new KedgeError('KEDGE_INSTALL_INVALID', `${file}: config file does not exist`, { file });
    }
    throw failed(`read ${file}`, file, err);
  }
}
