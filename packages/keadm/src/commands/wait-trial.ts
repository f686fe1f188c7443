// `--wait` for keadm edge upgrade / config-update: follow the marker until the
// trial ends (committed by the new edgecore once connected, or rolled back by
// the launcher) or until well past its deadline, and write the outcome to the
// upgrade report.
import { errorMessage } from '@kedge/api';
import type { InstallLayout, UpgradeReport } from '@kedge/installer';
import { writeReport } from './edge-target.ts';
import type { KeadmIo } from './keadm-io.ts';

export interface TrialMarker {
  phase: string;
  startedAt: string;
  deadline: string;
  reason?: string | undefined;
}

/** How long after the deadline to keep waiting for the launcher's rollback. */
const GRACE_MS = 60_000;

async function waitForTrial(
  read: () => TrialMarker | undefined,
  started: TrialMarker,
  io: KeadmIo,
  what: string,
): Promise<{ done: boolean; phase: string; reason?: string | undefined }> {
  io.stdout.write(`waiting for ${what} to come up healthy and connected (deadline ${started.deadline})\n`);
  const giveUpAt = Date.parse(started.deadline) + GRACE_MS;
  for (;;) {
    let marker: TrialMarker | undefined;
    try {
      marker = read();
    } catch (err: unknown) {
      io.stderr.write(`warning: ${errorMessage(err)}\n`);
    }
    if (marker && marker.startedAt !== started.startedAt) {
      return { done: true, phase: 'replaced', reason: 'another operation replaced the marker' };
    }
    if (marker && marker.phase !== 'switching')
      return { done: true, phase: marker.phase, reason: marker.reason };
    if (io.clock.now() > giveUpAt) {
      return {
        done: false,
        phase: 'switching',
        reason: 'still on trial; is edgecore running under the launcher?',
      };
    }
    await io.clock.sleep(500, io.signal);
  }
}

/** waitForTrial, then its outcome written to the upgrade report as `report` (success once committed). */
export async function waitForTrialAndReport(
  layout: InstallLayout,
  read: () => TrialMarker | undefined,
  started: TrialMarker,
  io: KeadmIo,
  what: string,
  report: Pick<UpgradeReport, 'event' | 'fromVersion' | 'toVersion'>,
): Promise<{ success: boolean; phase: string; reason?: string | undefined }> {
  const outcome = await waitForTrial(read, started, io, what);
  const success = outcome.phase === 'committed';
  writeReport(
    layout,
    {
      event: report.event,
      success,
      fromVersion: report.fromVersion,
      toVersion: report.toVersion,
      ...(success ? {} : { errorMessage: outcome.reason ?? outcome.phase }),
    },
    io,
  );
  return { success, phase: outcome.phase, reason: outcome.reason };
}
