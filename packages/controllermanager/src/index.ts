export {
  defaultControllerManagerConfig,
  loadControllerManagerConfig,
  renderControllerManagerConfig,
} from './config/index.ts';
export {
  Controller,
  Reconciled,
  type ControllerOptions,
  type ReconcileFn,
  type ReconcileResult,
} from './controller/controller.ts';
export { WorkQueue, type WorkQueueOptions } from './controller/work-queue.ts';
export { NodeTaskController, type NodeTaskControllerOptions } from './nodetask/node-task-controller.ts';
export { computeJobStatus, type JobStatusInput, type JobStatusResult } from './nodetask/job-status.ts';
export { planJob, type JobPlan } from './nodetask/plan-job.ts';
export { selectNodes, type NodeLookup, type Selection } from './nodetask/select-nodes.ts';
export { timeoutReason } from './nodetask/entry-timeout.ts';
export {
  NodeLifecycleController,
  type NodeLifecycleControllerOptions,
} from './nodelifecycle/node-lifecycle-controller.ts';
export { staleReadyCondition } from './nodelifecycle/stale-node.ts';
export { startControllerManager, type ControllerManagerDeps, type RunningControllerManager } from './app.ts';
export { WorkloadController, type WorkloadControllerOptions } from './workload/workload-controller.ts';
export { planPlacement, type PlacementDecision } from './workload/plan-placement.ts';
export { workloadControllerEnabled } from './run-controllers.ts';
