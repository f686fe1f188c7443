// An upgrade across a restart: stage -> markStaged -> beginUpgrade (marker
// `switching`, then the atomic switch of `current`) -> restart -> the new
// edgecore, once connected, calls commitUpgrade. If it never does, the
// launcher rolls back (boot-state.ts).
import { failpoint } from '@kedge/runtime';
import { KedgeError } from '@kedge/api';
import { commitTrial, type CommitResult } from './commit-trial.ts';
import { versionDir, type InstallLayout } from './install-layout.ts';
import { readUpgradeMarker, writeUpgradeMarker, type UpgradeMarker } from './markers.ts';
import { currentVersion, readReleaseVersion } from './release-dir.ts';
import { switchCurrent } from './switch-current.ts';

export interface UpgradeRequest {
  /** The version running now (`current` must point at versions/<from>). */
  from: string;
  /** The staged version to switch to. */
  to: string;
  /** Job name, node name and job uid; job and jobUid are "" for an operator's `keadm edge upgrade`. */
  job: string;
  node: string;
  jobUid: string;
  /** Absolute time (epoch ms) by which `to` must be committed, or it is rolled back. */
  deadlineMs: number;
  /** Default Date.now(). */
  now?: number;
  /** Replace a marker of another upgrade that is still `switching`. */
  force?: boolean;
}

/** Records that `to` is staged and verified (phase `staged`); nothing is switched. */
export function markStaged(layout: InstallLayout, req: UpgradeRequest): UpgradeMarker {
  checkStaged(layout, req.to);
  checkNotOnTrial(layout, req);
  const marker = newMarker('staged', req);
  writeUpgradeMarker(layout, marker);
  return marker;
}

/**
 * Writes the marker `switching` and then points `current` at `to`. The caller
 * then has edgecore restart (requestRestart / SIGTERM to the pid in
 * state/edgecore.pid). Re-running it for the same job after a crash is safe:
 * it finishes the switch if needed and returns the marker.
 */
export function beginUpgrade(layout: InstallLayout, req: UpgradeRequest): UpgradeMarker {
  if (req.from === req.to) {
    throw new KedgeError('KEDGE_INSTALL_INVALID', `version ${req.to}: is already the running version`, {
      version: req.to,
    });
  }
  checkStaged(layout, req.to);
  const existing = readUpgradeMarker(layout);
  const cur = currentVersion(layout);
  if (existing?.phase === 'switching' && sameUpgrade(existing, req)) {
    if (cur === req.to) return existing;
    if (cur === req.from) {
      switchCurrent(layout, req.to);
      return existing;
    }
  }
  checkNotOnTrial(layout, req);
  if (cur !== req.from) {
    throw new KedgeError(
      'KEDGE_INSTALL_INVALID',
      `${layout.current}: points at ${cur ?? 'nothing'}, not at ${req.from} (the version to upgrade from)`,
      { file: layout.current, version: req.from },
    );
  }
  const marker = newMarker('switching', req);
  writeUpgradeMarker(layout, marker);
  failpoint('upgrade.after-marker');
  switchCurrent(layout, req.to);
  failpoint('upgrade.after-switch');
  return marker;
}

/**
 * Called by the new edgecore once it is healthy and connected: marks the
 * upgrade to `runningVersion` committed. Idempotent; only the version on trial,
 * with `current` pointing at it and before the deadline, can commit.
 */
export function commitUpgrade(
  layout: InstallLayout,
  options: { runningVersion: string; now?: number },
): CommitResult<UpgradeMarker> {
  const runsIt = (marker: UpgradeMarker): boolean => marker.to === options.runningVersion;
  return commitTrial(
    readUpgradeMarker(layout),
    { isNew: runsIt, onTrial: (marker) => runsIt(marker) && currentVersion(layout) === marker.to },
    (committed) => writeUpgradeMarker(layout, committed),
    options.now ?? Date.now(),
  );
}

function newMarker(phase: 'staged' | 'switching', req: UpgradeRequest): UpgradeMarker {
  const now = new Date(req.now ?? Date.now()).toISOString();
  return {
    phase,
    from: req.from,
    to: req.to,
    job: req.job,
    node: req.node,
    jobUid: req.jobUid,
    startedAt: now,
    deadline: new Date(req.deadlineMs).toISOString(),
    attempts: 0,
    updatedAt: now,
  };
}

function sameUpgrade(marker: UpgradeMarker, req: UpgradeRequest): boolean {
  return marker.jobUid === req.jobUid && marker.from === req.from && marker.to === req.to;
}

function checkStaged(layout: InstallLayout, version: string): void {
  const dir = versionDir(layout, version);
  if (readReleaseVersion(dir) !== version) {
    throw new KedgeError('KEDGE_INSTALL_INVALID', `version ${version}: not staged in ${dir}`, {
      file: dir,
      version,
    });
  }
}

function checkNotOnTrial(layout: InstallLayout, req: UpgradeRequest): void {
  const existing = readUpgradeMarker(layout);
  if (existing?.phase !== 'switching' || req.force || sameUpgrade(existing, req)) return;
  throw new KedgeError(
    'KEDGE_INSTALL_INVALID',
    `${layout.upgradeMarker}: the upgrade ${existing.from} -> ${existing.to} (job "${existing.job}") is still on trial until ${existing.deadline}; wait for it to commit or roll back`,
    { file: layout.upgradeMarker },
  );
}
