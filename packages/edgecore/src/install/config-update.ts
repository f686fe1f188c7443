// A config update across a restart: the old edgecore.yaml is kept as
// edgecore.yaml.previous, the marker `switching` records both contents'
// sha256, the new file is written atomically, edgecore restarts, and the new
// process commits once connected. Otherwise the launcher puts the previous
// file back (boot-state.ts).
import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { KedgeError } from '@kedge/api';
import { errnoCode, failed, sha256Of, writeFileDurable } from './durable-fs.ts';
import type { InstallLayout } from './install-layout.ts';
import { readConfigUpdateMarker, writeConfigUpdateMarker, type ConfigUpdateMarker } from './markers.ts';
import type { CommitResult } from './upgrade.ts';

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

/**
 * Keeps the old file as `.previous`, writes the marker `switching`, then the
 * new file (each durably). The caller then has edgecore restart. Re-running it
 * for the same job and text after a crash is safe.
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
    writeFileDurable(configFile, req.text, mode);
    return existing;
  }
  if (oldSha256 === newSha256) {
    throw new KedgeError('KEDGE_INSTALL_INVALID', `${configFile}: the update changes nothing`, {
      file: configFile,
    });
  }
  const previousFile = previousConfigFile(configFile);
  writeFileDurable(previousFile, old, mode);
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
  writeFileDurable(configFile, req.text, mode);
  return marker;
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
  const now = options.now ?? Date.now();
  const marker = readConfigUpdateMarker(layout);
  if (!marker) return { outcome: 'nothingPending', marker };
  if (marker.phase === 'committed') {
    return {
      outcome: marker.newSha256 === options.loadedConfigSha256 ? 'alreadyCommitted' : 'nothingPending',
      marker,
    };
  }
  if (marker.phase !== 'switching') return { outcome: 'nothingPending', marker };
  if (marker.newSha256 !== options.loadedConfigSha256) return { outcome: 'notOnTrial', marker };
  if (now > Date.parse(marker.deadline)) return { outcome: 'deadlinePassed', marker };
  const committed: ConfigUpdateMarker = {
    ...marker,
    phase: 'committed',
    updatedAt: new Date(now).toISOString(),
  };
  delete committed.reason;
  writeConfigUpdateMarker(layout, committed);
  return { outcome: 'committed', marker: committed };
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
