// The controllers of one controllermanager term: the shared Node cache, the
// node task controller (v1alpha2, or v1alpha1 with the feature gate), the
// node lifecycle controller and, in embedded mode, the workload and
// endpointslice controllers (docs/workloads.md), the NodeGroup and
// EdgeApplication controllers (docs/node-groups.md), all bound to one signal. Without leader election a
// term lasts as long as the process; with it, as long as this process holds
// the Lease (app.ts), and every new term starts from a fresh list of the
// store, so nothing of an earlier term is trusted.
import {
  errorMessage,
  ModeRefusals,
  NODE_TASK_MODE_CONFIGMAP,
  NodeTaskMode,
  NodeTaskModeMarker,
  nodeTaskModeKey,
  nodeTaskModeOf,
} from '@kedge/api';
import {
  loopService,
  readFieldFile,
  runServices,
  type Clock,
  type Logger,
  type Service,
} from '@kedge/runtime';
import { configMapTable, createInformer, type ResourceStore } from '@kedge/store';
import type { ControllerManagerConfig } from './config/index.ts';
import { NodeLifecycleController } from './nodelifecycle/node-lifecycle-controller.ts';
import { KUBERNETES_MAX_JOB_BYTES } from './nodetask/job-size.ts';
import { NodeTaskController } from './nodetask/node-task-controller.ts';
import { ReleasePinner } from './nodetask/release-pin.ts';
import { V1alpha1NodeTaskController } from './nodetask-v1alpha1/v1alpha1-controller.ts';
import { EndpointSliceController } from './workload/endpoints/endpoint-slice-controller.ts';
import { WorkloadController } from './workload/workload-controller.ts';
import { EdgeApplicationController } from './edgeapplication/edge-application-controller.ts';
import { NodeGroupController } from './nodegroup/node-group-controller.ts';

export interface ControllersTerm {
  config: ControllerManagerConfig;
  store: ResourceStore;
  clock: Clock;
  log: Logger;
  signal: AbortSignal;
  /** Called once the Node cache holds its first list. */
  onSynced: () => void;
  /** Whether the process is shutting down (then the mode record is removed at the end of the term). */
  shuttingDown: () => boolean;
}

/** Runs the controllers until `signal` aborts; resolves once they all stopped. */
export async function runControllers(t: ControllersTerm): Promise<void> {
  const { config, store, clock, log, signal } = t;
  // Each controller is a Service; one that fails is logged and the others keep running.
  const services: Service[] = [];
  const keep = (what: string, run: (signal: AbortSignal) => Promise<void>): void => {
    services.push(
      loopService(what, (s) =>
        run(s).catch((err: unknown) => log.error({ err }, `${what} stopped: ${errorMessage(err)}`)),
      ),
    );
  };

  const nodes = createInformer(store, 'Node', { signal, log });
  nodes.synced.then(t.onSynced, () => undefined);

  const mode = nodeTaskModeOf(config.featureGates.disableNodeTaskV1alpha2);
  const marker = new NodeTaskModeMarker({
    table: configMapTable(store, NODE_TASK_MODE_CONFIGMAP),
    process: 'controllermanager',
    key: nodeTaskModeKey('controllermanager'),
    mode,
  });
  const refusals = new ModeRefusals({ marker, log: log.child({ module: 'nodetask' }) });
  const taskOff = NodeTaskController.disabledReason({
    enable: config.nodeTask.enable,
    disableNodeTaskV1alpha2: config.featureGates.disableNodeTaskV1alpha2,
  });
  if (config.nodeTask.enable) await marker.recordAndCompare(log.child({ module: 'nodetask' }));
  if (taskOff !== undefined) {
    log.warn({ module: 'nodetask' }, `node task controller (v1alpha2) disabled: ${taskOff}`);
  }
  const resyncPeriodMs = config.nodeTask.timeoutCheckPeriod * 1000;
  if (config.nodeTask.enable && mode === NodeTaskMode.v1alpha2) {
    const maxJobBytes = effectiveMaxJobBytes(config);
    const controller = new NodeTaskController({
      store,
      nodes,
      clock,
      log,
      refusals,
      resyncPeriodMs,
      maxJobBytes,
      imageSecretNamespaces: config.nodeTask.imageSecretNamespaces,
      ...releasePinner(config),
    });
    keep('node task controller', (s) => controller.run(s));
  } else if (config.nodeTask.enable) {
    const controller = new V1alpha1NodeTaskController({
      store,
      nodes,
      clock,
      log,
      refusals,
      resyncPeriodMs,
      ...releasePinner(config),
    });
    keep('node task controller (v1alpha1)', (s) => controller.run(s));
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
    keep('node lifecycle controller', (s) => lifecycle.run(s));
  }

  if (workloadControllerEnabled(config)) {
    const workload = new WorkloadController({
      store,
      clock,
      log,
      notReadyGraceMs: config.workload.notReadyEvictionTimeout * 1000,
      evictionCheckMs: config.workload.evictionCheckPeriod * 1000,
    });
    keep('workload controller', (s) => workload.run(s));
    const endpointSlices = new EndpointSliceController({ store, clock, log });
    keep('endpointslice controller', (s) => endpointSlices.run(s));
  } else {
    log.info(
      { module: 'workload' },
      'workload controller off: Deployments and pod placement are left to kube-controller-manager and kube-scheduler',
    );
  }

  if (config.nodeGroup.enable) {
    const groups = new NodeGroupController({ store, clock, log });
    keep('node group controller', (s) => groups.run(s));
  } else {
    log.warn({ module: 'nodegroup' }, 'node group controller disabled: nodeGroup.enable is false');
  }
  if (config.edgeApplication.enable) {
    const apps = new EdgeApplicationController({ store, clock, log });
    keep('edge application controller', (s) => apps.run(s));
  } else {
    log.warn(
      { module: 'edgeapplication' },
      'edge application controller disabled: edgeApplication.enable is false',
    );
  }

  await runServices(services, signal, { log });
  if (config.nodeTask.enable && t.shuttingDown()) {
    await marker.remove().catch((err: unknown) => {
      log.warn({ err: errorMessage(err) }, 'could not remove this process from the node task mode ConfigMap');
    });
  }
}

/** workload.enable, with auto resolved: on in embedded mode (sqlite), off in cluster mode (kubernetes). */
export function workloadControllerEnabled(config: ControllerManagerConfig): boolean {
  const set = config.workload.enable;
  return set === 'auto' ? config.store.backend === 'sqlite' : set;
}

/** nodeTask.maxJobBytes, with 0 resolved for the store backend. */
export function effectiveMaxJobBytes(config: ControllerManagerConfig): number {
  const set = config.nodeTask.maxJobBytes;
  if (set > 0) return set;
  return config.store.backend === 'kubernetes' ? KUBERNETES_MAX_JOB_BYTES : 0;
}

/** nodeTask.pinReleaseDigest: the pinner for NodeUpgradeJobs, with the registry access of the config. */
function releasePinner(config: ControllerManagerConfig): { releasePinner?: ReleasePinner } {
  const t = config.nodeTask;
  if (!t.pinReleaseDigest) return {};
  const r = t.releaseRegistry;
  const auth = r.username ? { auth: { username: r.username, password: readPassword(r.passwordFile) } } : {};
  return {
    releasePinner: new ReleasePinner({
      defaultImage: t.defaultReleaseImage,
      registry: { ...auth, ...(r.insecure ? { insecure: true } : {}) },
    }),
  };
}

function readPassword(file: string): string {
  return readFieldFile('nodeTask.releaseRegistry.passwordFile', file).toString('utf8').trim();
}
