// Backup (NodeUpgradeJob, ConfigUpdateJob): backup/<version>/ of the running
// version, its config file and database (docs/node-tasks.md). Idempotent: a
// re-run after a crash replaces the backup once the new one is complete.
// `extend` is ",<version>" as KubeEdge reports it (from empty, to current).
import { finished, type ActionContext, type ActionOutcome, type TaskAction } from '../task-types.ts';
import { backupRunningVersion, withInstallLock } from './install-steps.ts';
import { requireConfigFile, requireLayout, type NodeTaskEnv } from './node-task-env.ts';

export function backupAction(env: NodeTaskEnv): TaskAction {
  return {
    async run(ctx: ActionContext): Promise<ActionOutcome> {
      const layout = requireLayout(env);
      const configFile = requireConfigFile(env);
      const dir = await withInstallLock(
        env,
        layout,
        `taskmanager Backup ${ctx.task.key}`,
        ctx.signal,
        ctx.log,
        () => backupRunningVersion(env, layout, configFile),
      );
      ctx.log.info({ dir, version: env.version }, 'backup written');
      return finished(true, '', `,${env.version}`);
    },
  };
}
