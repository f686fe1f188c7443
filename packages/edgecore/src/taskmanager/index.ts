export { TaskManager } from './task-manager.ts';
export { registerConfirmUpgrade } from './confirm-upgrade-route.ts';
export { TaskStates, type ActionRegistry } from './task-types.ts';
export { nodeTaskActions } from './actions/node-task-actions.ts';
