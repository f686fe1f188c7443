// Assembles a running controllermanager from its resolved config: store,
// the shared Node cache, the node task and node lifecycle controllers and
// the health endpoint. main.ts owns argv and signals; this owns wiring.
import {
  errorMessage,
  NODE_TASK_MODE_CONFIGMAP,
  NodeTaskMode,
  nodeTaskModeKey,
  nodeTaskModeOf,
} from '@kedge/api';
import { systemClock, type Clock, type Logger } from '@kedge/runtime';
import { createInformer, openStore, type ResourceStore } from '@kedge/store';
import type { ControllerManagerConfig } from './config/index.ts';
import { startHealthServer, type HealthServer } from './health-server.ts';
import { NodeLifecycleController } from './nodelifecycle/node-lifecycle-controller.ts';
import { NodeTaskController } from './nodetask/node-task-controller.ts';
import { NodeTaskModeMarker } from './nodetask-mode/mode-marker.ts';
import { ModeRefusals } from './nodetask-mode/mode-refusals.ts';
import { V1alpha1NodeTaskController } from './nodetask-v1alpha1/v1alpha1-controller.ts';

export interface RunningControllerManager {
  /** Port of /healthz and /readyz. */
  healthPort: number;
  stop(): Promise<void>;
}

export interface ControllerManagerDeps {
  /** Time for controllers (deadlines, periods); default the system clock. */
  clock?: Clock;
  /** An open store to use instead of opening config.store (then not closed by stop()). */
  store?: ResourceStore;
}

export async function startControllerManager(
  config: ControllerManagerConfig,
  log: Logger,
  deps: ControllerManagerDeps = {},
): Promise<RunningControllerManager> {
  const clock = deps.clock ?? systemClock;
  const store = deps.store ?? (await openStore(config.store, log));
  const abort = new AbortController();
  const { signal } = abort;
  const running: Promise<void>[] = [];
  const keep = (what: string, task: Promise<void>): void => {
    running.push(task.catch((err: unknown) => log.error({ err }, `${what} stopped: ${errorMessage(err)}`)));
  };

  if (config.leaderElection.enable) {
    log.warn(
      'leaderElection.enable is true, but leader election is not implemented yet: this instance acts as ' +
        'the only one; run exactly one controllermanager per store',
    );
  } else {
    log.info('leader election off: running as a single instance');
  }

  let synced = false;
  const nodes = createInformer(store, 'Node', { signal, log });
  nodes.synced.then(
    () => (synced = true),
    () => undefined,
  );

  const mode = nodeTaskModeOf(config.featureGates.disableNodeTaskV1alpha2);
  const marker = new NodeTaskModeMarker({ store, key: nodeTaskModeKey('controllermanager'), mode });
  const refusals = new ModeRefusals({ marker, log: log.child({ module: 'nodetask' }) });
  const taskOff = NodeTaskController.disabledReason({
    enable: config.nodeTask.enable,
    disableNodeTaskV1alpha2: config.featureGates.disableNodeTaskV1alpha2,
  });
  if (config.nodeTask.enable) await recordMode(marker, log);
  if (taskOff !== undefined) {
    log.warn({ module: 'nodetask' }, `node task controller (v1alpha2) disabled: ${taskOff}`);
  }
  const resyncPeriodMs = config.nodeTask.timeoutCheckPeriod * 1000;
  if (config.nodeTask.enable && mode === NodeTaskMode.v1alpha2) {
    const controller = new NodeTaskController({ store, nodes, clock, log, refusals, resyncPeriodMs });
    keep('node task controller', controller.run(signal));
  } else if (config.nodeTask.enable) {
    const controller = new V1alpha1NodeTaskController({ store, nodes, clock, log, refusals, resyncPeriodMs });
    keep('node task controller (v1alpha1)', controller.run(signal));
  }

  if (!config.nodeLifecycle.enable) {
    log.warn(
      { module: 'nodelifecycle' },
      'node lifecycle controller disabled: nodeLifecycle.enable is false',
    );
  } else {
    const lifecycle = new NodeLifecycleController({
      store,
      nodes,
      clock,
      log,
      gracePeriodMs: config.nodeLifecycle.gracePeriod * 1000,
      monitorPeriodMs: config.nodeLifecycle.monitorPeriod * 1000,
    });
    keep('node lifecycle controller', lifecycle.run(signal));
  }

  let health: HealthServer;
  try {
    health = await startHealthServer(
      config.health.address,
      config.health.port,
      () => synced && !signal.aborted,
    );
  } catch (err: unknown) {
    abort.abort();
    await Promise.all(running);
    if (deps.store === undefined) await store.close();
    throw err;
  }
  log.info({ healthPort: health.port }, 'controllermanager started');

  return {
    healthPort: health.port,
    stop: async () => {
      abort.abort();
      await Promise.all(running);
      if (config.nodeTask.enable) {
        await marker.remove().catch((err: unknown) => {
          log.warn(
            { err: errorMessage(err) },
            'could not remove this process from the node task mode ConfigMap',
          );
        });
      }
      await health.close();
      if (deps.store === undefined) await store.close();
    },
  };
}

/** Records this process's node task mode and warns when another process runs the other one. */
async function recordMode(marker: NodeTaskModeMarker, log: Logger): Promise<void> {
  const where = `${NODE_TASK_MODE_CONFIGMAP.namespace}/${NODE_TASK_MODE_CONFIGMAP.name}`;
  try {
    await marker.record();
    const others = await marker.disagreeing();
    log.info(
      { module: 'nodetask', mode: marker.mode },
      `node task mode ${marker.mode} recorded in ConfigMap ${where}`,
    );
    if (others.length > 0) {
      log.warn(
        { module: 'nodetask', mode: marker.mode, disagreeing: others },
        `node task modes disagree: this controllermanager runs ${marker.mode}, but ${others.join(', ')}; ` +
          'each process leaves jobs of the other API alone, so they do not complete. ' +
          'Set disableNodeTaskV1alpha2 the same in cloudcore.yaml and on controllermanager',
      );
    }
  } catch (err: unknown) {
    log.warn(
      { module: 'nodetask', err: errorMessage(err) },
      `could not record the node task mode in ${where}`,
    );
  }
}
