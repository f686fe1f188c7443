// The `edged` beehive module (group `edged`, as KubeEdge's): runs the pods
// the cloud bound to this node on the node's containerd. At start it writes
// the node's CNI network and makes sure the sandbox image is there; then it
// removes kedge pods no cached object describes (in the background, beside
// the workers: an orphan's grace period delays no other pod) and keeps one PodWorker per
// cached pod (each adopts what an earlier edgecore left running: an edgecore
// restart restarts no container), reacting to pod changes in metaManager's
// cache at once and re-reading it every `resyncMs`; a changed ConfigMap or
// Secret is written again into the volumes of the pods that mount it. ConfigMaps and Secrets
// come from the same cache, so all of it works with the cloud unreachable.
// Pod status goes up through the outbox (pod-status-report.ts).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  EdgeGroups,
  EdgeModules,
  KedgeError,
  ResourceTypes,
  edgeResource,
  errorMessage,
  hasCode,
  type Pod,
} from '@kedge/api';
import type { Module, ModuleContext } from '@kedge/beehive';
import type { Clock } from '@kedge/runtime';
import { CriClient } from '../cri/index.ts';
import type { MetaCache } from '../metamanager/index.ts';
import type { Reports } from '../reporting/edge-reporter.ts';
import { cacheLookup } from './cache-lookup.ts';
import { ContainerLauncher } from './container-launcher.ts';
import { ImagePuller } from './image-puller.ts';
import { LogsServer } from './logs/logs-server.ts';
import { PodSet } from './pod-set.ts';
import { podStatusSink } from './pod-status-report.ts';
import { PodVolumes } from './pod-volumes.ts';
import { StartGate } from './start-gate.ts';
import { PodWorkers } from './pod-workers.ts';
import type { Dialer } from './probe-executors.ts';
import { RestartBackOff } from './restart-backoff.ts';
import { PodRuntime, writePodNetworkConfig } from './runtime/index.ts';
import type { VolumeSourceType } from './pod-spec.ts';

/** modules.edged of edgecore.yaml, the fields edged reads. */
interface EdgedConfig {
  enable: boolean;
  podCIDR: string;
  rootDirectory: string;
  secretsDirectory: string;
  podLogsRoot: string;
  cgroupRoot: string;
  podSandboxImage: string;
  cniBinDir: string;
  cniConfDir: string;
  allowedHostPaths: readonly string[];
  tailoredKubeletConfig: { containerRuntimeEndpoint: string; clusterDNS?: readonly string[] };
}

/** Cached object types whose change rewrites the volumes of the pods using them. */
const REFRESHING = new Set<string>([
  ResourceTypes.configmap,
  ResourceTypes.secret,
  ResourceTypes.serviceaccounttoken,
]);
function isRefreshing(type: string): type is VolumeSourceType {
  return REFRESHING.has(type);
}

export interface EdgedOptions {
  config: EdgedConfig;
  nodeName: string;
  /** The node's address, the pods' hostIP. */
  nodeIP: string;
  cache: MetaCache;
  reports: Reports;
  clock: Clock;
  /** How probes connect to pods (default: TCP from this process). */
  dial?: Dialer;
  /** How often the cache is re-read even with no change (default 10 s). */
  resyncMs?: number;
}

/** `<runtimeName>://<runtimeVersion>` (kubelet's containerRuntimeVersion), or undefined when the runtime does not answer. */
export async function containerRuntimeVersion(
  endpoint: string,
  timeoutMs = 2000,
): Promise<string | undefined> {
  const cri = new CriClient({ endpoint });
  try {
    const v = await cri.version({ timeoutMs });
    return `${v.runtimeName}://${v.runtimeVersion}`;
  } catch {
    return undefined;
  } finally {
    cri.close();
  }
}

/** Writes the node's CNI network; a directory edgecore cannot write is a config error naming the field. */
async function podNetwork(c: EdgedConfig): Promise<void> {
  try {
    await writePodNetworkConfig(c.cniConfDir, {
      podCidr: c.podCIDR,
      ipamDataDir: join(c.rootDirectory, 'cni-ipam'),
    });
  } catch (err: unknown) {
    if (hasCode(err, 'KEDGE_CONFIG_INVALID')) throw err;
    throw new KedgeError(
      'KEDGE_CONFIG_INVALID',
      `modules.edged.cniConfDir: cannot write the pod network config into ${c.cniConfDir}: ${errorMessage(err)}`,
      { fields: ['modules.edged.cniConfDir'] },
      { cause: err },
    );
  }
}

export class Edged implements Module {
  readonly name = EdgeModules.edged;
  readonly group = EdgeGroups.edged;
  readonly enabled: boolean;
  readonly #o: EdgedOptions;
  #workers: PodWorkers | undefined;

  constructor(o: EdgedOptions) {
    this.#o = o;
    this.enabled = o.config.enable;
  }

  async start(ctx: ModuleContext): Promise<void> {
    const { config: c, clock } = this.#o;
    const log = ctx.log;
    const cri = new CriClient({ endpoint: c.tailoredKubeletConfig.containerRuntimeEndpoint });
    try {
      await podNetwork(c);
      if (!existsSync(join(c.cniBinDir, 'bridge')))
        log.warn({ cniBinDir: c.cniBinDir }, 'no CNI bridge plugin in cniBinDir; pods will get no network');
      await this.#sandboxImage(cri, ctx);
      const runtime = new PodRuntime({ cri, log, clusterDNS: c.tailoredKubeletConfig.clusterDNS ?? [] });
      const lookup = cacheLookup(this.#o.cache);
      const backoff = new RestartBackOff(clock);
      const volumes = new PodVolumes({
        podsDir: join(c.rootDirectory, 'pods'),
        secretsDir: c.secretsDirectory,
        allowedHostPaths: c.allowedHostPaths,
        lookup,
      });
      const images = new ImagePuller({ cri, lookup, clock, log, backoff });
      const workers = new PodWorkers({
        base: {
          runtime,
          cri,
          launcher: new ContainerLauncher({ runtime, images, volumes, lookup, log }),
          volumes,
          node: { name: this.#o.nodeName, ip: this.#o.nodeIP },
          podLogsRoot: c.podLogsRoot,
          ...(c.cgroupRoot ? { cgroupRoot: c.cgroupRoot } : {}),
          clock,
          log,
          backoff,
          startGate: new StartGate(),
          ...(this.#o.dial ? { dial: this.#o.dial } : {}),
        },
        runtime,
        sinkFor: (pod) => podStatusSink(this.#o.reports, pod, () => clock.now()),
        clock,
        log,
      });
      this.#workers = workers;
      const logs = new LogsServer({
        deps: {
          nodeName: this.#o.nodeName,
          podLogsRoot: c.podLogsRoot,
          findPod: (ns, name) =>
            this.#o.cache.get(edgeResource(ns, ResourceTypes.pod, name))?.value as Pod | undefined,
        },
        bus: ctx.bus,
        log: ctx.log.child({ part: 'logs' }),
      });
      const inbox = this.#inbox(ctx, logs);
      try {
        await this.#run(ctx, workers);
      } finally {
        logs.stopAll();
        await inbox;
      }
    } finally {
      await this.#workers?.detachAll();
      this.#workers = undefined;
      cri.close();
    }
  }

  async #run(ctx: ModuleContext, workers: PodWorkers): Promise<void> {
    const pods = new PodSet(this.#o.cache, this.#o.nodeName, ctx.log);
    const first = pods.desired();
    // Pods deleted while edgecore was down are removed by the sweep of the first turn, beside
    // the workers: their grace periods must not hold up adopting and starting the cached pods.
    ctx.log.info({ pods: first.run.size, terminating: first.terminate.size }, 'edged started');
    let wake = new AbortController();
    /** ConfigMaps, Secrets and ServiceAccount tokens written since the last turn (`<ns>/<type>/<name>`). */
    const changed = new Set<string>();
    const unsubscribe = this.#o.cache.onChange((e) => {
      if (REFRESHING.has(e.type)) changed.add(e.key);
      else if (e.type !== ResourceTypes.pod) return;
      wake.abort();
    });
    try {
      while (!ctx.signal.aborted) {
        wake = new AbortController();
        workers.sync(pods.desired());
        workers.sweepOrphans();
        for (const key of [...changed]) {
          changed.delete(key);
          const [namespace = '', type = '', name = ''] = key.split('/');
          if (isRefreshing(type)) await workers.refreshVolumes(type, namespace, name);
        }
        const wait = AbortSignal.any([ctx.signal, wake.signal]);
        await this.#o.clock.sleep(this.#o.resyncMs ?? 10_000, wait).catch(() => undefined);
      }
    } finally {
      unsubscribe();
    }
  }

  /** Messages for edged: `logs` requests from the cloud, and edgeHub's connection news. */
  async #inbox(ctx: ModuleContext, logs: LogsServer): Promise<void> {
    while (!ctx.signal.aborted) {
      let msg;
      try {
        msg = await ctx.receive();
      } catch {
        return; // bus stopping
      }
      if (msg.route.operation === 'cloud_disconnected') logs.stopAll();
      else if (!logs.handle(msg)) ctx.log.debug({ route: msg.route }, 'message for edged ignored');
    }
  }

  /** Pulls the configured pause image when the runtime lacks it (so pods start offline later). */
  async #sandboxImage(cri: CriClient, ctx: ModuleContext): Promise<void> {
    const image = this.#o.config.podSandboxImage;
    if (!image) return;
    try {
      if (await cri.imageStatus(image)) return;
      await cri.pullImage(image);
      ctx.log.info({ image }, 'pulled the pod sandbox image');
    } catch (err: unknown) {
      ctx.log.warn({ image, err: errorMessage(err) }, 'could not pull the pod sandbox image');
    }
  }
}
