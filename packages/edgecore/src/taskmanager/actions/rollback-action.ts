// Rollback (NodeUpgradeJob, after a failed Upgrade): makes sure the version
// the upgrade started from runs again. Usually there is nothing left to do
// here: the launcher already switched back (marker rolledBack), or nothing
// was switched (the pull or the staging failed, or the switch was
// interrupted). Only when this process is the new version does it switch
// `current` back itself (restoring the backed-up config) and restart; the
// restarted old version then reports the Rollback. `extend` is "<to>,<from>":
// the version left, the version running now.
import {
  readUpgradeMarker,
  restore,
  readBackupManifest,
  switchCurrent,
  writeUpgradeMarker,
  currentVersion,
} from '@kedge/installer';
import { finished, type ActionContext, type ActionOutcome, type TaskAction } from '../task-types.ts';
import { withInstallLock } from './install-steps.ts';
import { requireConfigFile, requireLayout, type NodeTaskEnv } from './node-task-env.ts';
import { nodeUpgradeSpec } from './task-spec.ts';

export function rollbackAction(env: NodeTaskEnv): TaskAction {
  const run = async (ctx: ActionContext): Promise<ActionOutcome> => {
    const layout = requireLayout(env);
    const marker = readUpgradeMarker(layout);
    const ours = marker?.jobUid === ctx.task.jobUid ? marker : undefined;
    const from = ours?.from ?? env.version;
    const to = ours?.to ?? nodeUpgradeSpec(ctx.task).version;
    const back = finished(true, '', `${to},${from}`);
    if (env.version === from) {
      const current = currentVersion(layout);
      if (current === from) {
        ctx.log.info({ from, to, marker: ours?.phase }, `running ${from}; nothing left to roll back`);
        return back;
      }
      if (current === to) {
        // The old process before a restart it asked for: switch back, then restart into `from`.
        await withInstallLock(env, layout, `taskmanager Rollback ${ctx.task.key}`, ctx.signal, ctx.log, () =>
          switchCurrent(layout, from),
        );
        return { kind: 'restarting', reason: `roll back to ${from}` };
      }
      return finished(
        false,
        `${layout.current} points at ${current ?? 'nothing'}; expected ${from} or ${to}`,
      );
    }
    if (env.version !== to)
      return finished(false, `this edgecore is ${env.version}, neither ${from} nor ${to}`);
    const configFile = requireConfigFile(env);
    await withInstallLock(
      env,
      layout,
      `taskmanager Rollback ${ctx.task.key}`,
      ctx.signal,
      ctx.log,
      async () => {
        // The database stays as it is: migrations are additive, and it is open in this process.
        if (readBackupManifest(layout, from))
          await restore(layout, from, { configFile, switchVersion: true });
        else switchCurrent(layout, from);
        if (ours && (ours.phase === 'switching' || ours.phase === 'committed')) {
          const reason = ours.reason ?? `rolled back by the task manager after the failed upgrade to ${to}`;
          writeUpgradeMarker(layout, {
            ...ours,
            phase: 'rolledBack',
            reason,
            updatedAt: new Date(env.clock.now()).toISOString(),
          });
        }
      },
    );
    ctx.log.info({ from, to }, `switched back to ${from}; restarting`);
    return { kind: 'restarting', reason: `roll back ${to} -> ${from}` };
  };
  // After the restart the old version runs and finds nothing left to do.
  return { run, resume: run };
}
