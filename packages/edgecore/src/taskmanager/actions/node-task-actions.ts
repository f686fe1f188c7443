// The actions this edgecore runs, per task type.
import { ActionName, NodeTaskType, type NodeUpgradeJobSpec } from '@kedge/api';
import type { ActionRegistry, TaskAction } from '../task-types.ts';
import { backupAction } from './backup-action.ts';
import { configRollbackAction, configUpdateAction, configUpdateCheck } from './config-update-actions.ts';
import { resolveNodeTaskEnv, type NodeTaskEnvOptions } from './node-task-env.ts';
import { rollbackAction } from './rollback-action.ts';
import { prePullAction } from './prepull-action.ts';
import { prePullCheck } from './prepull-check.ts';
import { upgradeAction } from './upgrade-action.ts';
import { upgradeCheck } from './upgrade-check.ts';
import { waitingConfirmation } from './waiting-confirmation.ts';

export function nodeTaskActions(options: NodeTaskEnvOptions): ActionRegistry {
  const env = resolveNodeTaskEnv(options);
  const confirm: TaskAction = waitingConfirmation({
    clock: env.clock,
    policy: (ctx) => {
      const spec = ctx.task.spec as Partial<NodeUpgradeJobSpec>;
      const timeoutSeconds = typeof spec.timeoutSeconds === 'number' ? spec.timeoutSeconds : undefined;
      return {
        required: spec.requireConfirmation === true,
        timeoutMs: timeoutSeconds === undefined ? undefined : timeoutSeconds * 1000,
      };
    },
  });
  return {
    [NodeTaskType.nodeUpgradeJob]: {
      [ActionName.Check]: upgradeCheck(env),
      [ActionName.WaitingConfirmation]: confirm,
      [ActionName.Backup]: backupAction(env),
      [ActionName.Upgrade]: upgradeAction(env),
      [ActionName.Rollback]: rollbackAction(env),
    },
    [NodeTaskType.imagePrePullJob]: {
      [ActionName.Check]: prePullCheck(env),
      [ActionName.PrePull]: prePullAction(env),
    },
    [NodeTaskType.configUpdateJob]: {
      [ActionName.Check]: configUpdateCheck(env),
      [ActionName.Backup]: backupAction(env),
      [ActionName.ConfigUpdate]: configUpdateAction(env),
      [ActionName.Rollback]: configRollbackAction(env),
    },
  };
}
