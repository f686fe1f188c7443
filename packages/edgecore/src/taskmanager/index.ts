export { TaskManager, type TaskManagerOptions } from './task-manager.ts';
export { TaskStore, type ActionResult, type NewTask, type StoredResult } from './task-store.ts';
export { TaskRunner, type TaskRunnerOptions } from './task-runner.ts';
export { CloudConnectionWatch } from './cloud-connection-watch.ts';
export { actionProgressMessage, actionReportMessage } from './action-report.ts';
export { CONFIRM_UPGRADE_PATH, confirmUpgradeRoute, registerConfirmUpgrade } from './confirm-upgrade-route.ts';
export {
  TaskStates,
  finished,
  taskKey,
  type ActionContext,
  type ActionOutcome,
  type ActionRegistry,
  type TaskAction,
  type TaskRecord,
  type TaskState,
} from './task-types.ts';
export { nodeTaskActions } from './actions/node-task-actions.ts';
export { resolveNodeTaskEnv, type NodeTaskEnv, type NodeTaskEnvOptions } from './actions/node-task-env.ts';
export { DEFAULT_LOAD_LIMITS, type LoadLimits } from './actions/load-checks.ts';
