// Pods on the node's container runtime through CRI: run a pod's sandbox (its
// network namespace, set up by the runtime's CNI; the pod IP read back from
// PodSandboxStatus), create and start its containers, read their status, stop
// them with a grace period, remove everything. Every sandbox and container
// carries kedge's identifying labels, so listPods() on a fresh PodRuntime
// finds (adopts) what an earlier edgecore left running. No desired state is
// kept here: the caller (edged's pod workers, later) decides.
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { CLUSTER_DOMAIN, KedgeError } from '@kedge/api';
import type { Logger } from '@kedge/runtime';
import { CriRuntimeService, SANDBOX_STATE, type CallOptions, type CriClient } from '../../cri/index.ts';
import { containerConfig, type ContainerSpec } from './container-config.ts';
import {
  nanosToIso,
  toContainerStatus,
  toContainerSummary,
  type PodContainerStatus,
  type PodContainerSummary,
} from './container-status.ts';
import {
  graceOfAnnotations,
  managedSelector,
  podOfLabels,
  podSelector,
  type PodIdentity,
} from './pod-identity.ts';
import { sandboxConfig, type PodSandboxSpec } from './sandbox-config.ts';

export interface PodRuntimeOptions {
  cri: CriClient;
  log: Logger;
  /**
   * tailoredKubeletConfig.clusterDNS: when set, every sandbox gets these
   * nameservers with kubelet's ClusterFirst searches (`<ns>.svc.cluster.local
   * svc.cluster.local cluster.local`) and `ndots:5`, unless its spec has DNS.
   */
  clusterDNS?: readonly string[];
}

export interface PodSandboxState {
  id: string;
  pod: PodIdentity;
  ready: boolean;
  /** The pod's IP on the node's pod network; empty while the sandbox is not ready. */
  ip: string;
  createdAt?: string;
  /** The pod's terminationGracePeriodSeconds as recorded on the sandbox at its creation. */
  graceSeconds?: number;
}

/** A kedge pod found on the runtime: its sandbox and its containers. */
export interface RuntimePod {
  sandbox: PodSandboxState;
  containers: PodContainerSummary[];
}

export class PodRuntime {
  readonly #cri: CriRuntimeService;
  readonly #log: Logger;
  readonly #clusterDNS: readonly string[];

  constructor(o: PodRuntimeOptions) {
    this.#cri = new CriRuntimeService(o.cri);
    this.#log = o.log.child({ module: 'edged', component: 'pod-runtime' });
    this.#clusterDNS = o.clusterDNS ?? [];
  }

  /** The CRI sandbox config of `spec`, with the cluster DNS when configured and the spec has none. */
  #sandboxConfig(spec: PodSandboxSpec): ReturnType<typeof sandboxConfig> {
    if (spec.dns || this.#clusterDNS.length === 0) return sandboxConfig(spec);
    const ns = spec.pod.namespace;
    return sandboxConfig({
      ...spec,
      dns: {
        servers: [...this.#clusterDNS],
        searches: [`${ns}.svc.${CLUSTER_DOMAIN}`, `svc.${CLUSTER_DOMAIN}`, CLUSTER_DOMAIN],
        options: ['ndots:5'],
      },
    });
  }

  /** Runs the pod's sandbox (creating its log directory first); resolves once it is ready, with its IP. */
  async runSandbox(spec: PodSandboxSpec, o: CallOptions = {}): Promise<PodSandboxState> {
    const config = this.#sandboxConfig(spec);
    await mkdir(config.logDirectory, { recursive: true, mode: 0o755 });
    const id = await this.#cri.runPodSandbox(config, { timeoutMs: 120_000, ...o });
    const state = await this.sandboxStatus(id, o);
    this.#log.info({ resource: podKey(spec.pod), sandbox: id, ip: state.ip }, 'pod sandbox running');
    return state;
  }

  async sandboxStatus(id: string, o: CallOptions = {}): Promise<PodSandboxState> {
    const { status } = await this.#cri.podSandboxStatus(id, o);
    const pod = podOfLabels(status.labels ?? {}, status.annotations ?? {});
    if (!pod) {
      throw new KedgeError(
        'KEDGE_CRI_ERROR',
        `sandbox ${id} was not started by kedge (no kedge pod labels)`,
        {
          sandbox: id,
        },
      );
    }
    const createdAt = nanosToIso(status.createdAt);
    return {
      id,
      pod,
      ready: status.state === SANDBOX_STATE.ready,
      ip: status.network?.ip ?? '',
      ...(createdAt ? { createdAt } : {}),
    };
  }

  /** Creates and starts one container in the pod's (running or adopted) sandbox; resolves with its id. */
  async startContainer(
    sandboxId: string,
    sandbox: PodSandboxSpec,
    spec: ContainerSpec,
    o: CallOptions = {},
  ): Promise<string> {
    const podConfig = this.#sandboxConfig(sandbox);
    const config = containerConfig(sandbox.pod, spec);
    await mkdir(dirname(join(podConfig.logDirectory, config.logPath)), { recursive: true, mode: 0o755 });
    const id = await this.#cri.createContainer(sandboxId, config, podConfig, { timeoutMs: 60_000, ...o });
    try {
      await this.#cri.startContainer(id, { timeoutMs: 60_000, ...o });
    } catch (err: unknown) {
      // A container that could not start stays created; say which, the caller decides to remove or retry.
      this.#log.warn(
        { resource: podKey(sandbox.pod), container: spec.name, id, err },
        'container did not start',
      );
      throw err;
    }
    this.#log.info({ resource: podKey(sandbox.pod), container: spec.name, id }, 'container started');
    return id;
  }

  async containerStatus(id: string, o: CallOptions = {}): Promise<PodContainerStatus> {
    const { status } = await this.#cri.containerStatus(id, o);
    return toContainerStatus(status);
  }

  /** SIGTERM, then SIGKILL after graceSeconds; stopping a stopped container is fine. */
  async stopContainer(id: string, graceSeconds: number, o: CallOptions = {}): Promise<void> {
    await this.#cri.stopContainer(id, Math.max(0, Math.floor(graceSeconds)), o);
  }

  async removeContainer(id: string, o: CallOptions = {}): Promise<void> {
    await this.#cri.removeContainer(id, o);
  }

  /**
   * The kedge pods the runtime has, each with its containers: all of them, or
   * those of one pod (any attempt). What a restarted edgecore adopts.
   */
  async listPods(
    pod?: Pick<PodIdentity, 'namespace' | 'name' | 'uid'>,
    o: CallOptions = {},
  ): Promise<RuntimePod[]> {
    const labelSelector = pod ? podSelector(pod) : managedSelector();
    const sandboxes = await this.#cri.listPodSandbox({ labelSelector }, o);
    const containers = (await this.#cri.listContainers({ labelSelector }, o)).map(toContainerSummary);
    const pods: RuntimePod[] = [];
    for (const s of sandboxes) {
      const identity = podOfLabels(s.labels ?? {}, s.annotations ?? {});
      if (!identity) continue;
      const createdAt = nanosToIso(s.createdAt);
      const graceSeconds = graceOfAnnotations(s.annotations);
      pods.push({
        // ListPodSandbox carries no IP; sandboxStatus(id) has it.
        sandbox: {
          id: s.id,
          pod: identity,
          ready: s.state === SANDBOX_STATE.ready,
          ip: '',
          ...(createdAt ? { createdAt } : {}),
          ...(graceSeconds !== undefined ? { graceSeconds } : {}),
        },
        containers: containers.filter((c) => c.sandboxId === s.id),
      });
    }
    return pods;
  }

  /** Stops the pod's containers (each with the grace period, together), then its sandbox. */
  async stopPod(sandboxId: string, graceSeconds: number, o: CallOptions = {}): Promise<void> {
    const running = await this.#cri.listContainers({ podSandboxId: sandboxId }, o);
    await Promise.all(running.map((c) => this.stopContainer(c.id, graceSeconds, o)));
    await this.#cri.stopPodSandbox(sandboxId, { timeoutMs: 60_000, ...o });
    this.#log.info({ sandbox: sandboxId, containers: running.length }, 'pod stopped');
  }

  /** Removes the sandbox and its containers; removing a removed pod is fine. */
  async removePod(sandboxId: string, o: CallOptions = {}): Promise<void> {
    await this.#cri.removePodSandbox(sandboxId, { timeoutMs: 60_000, ...o });
    this.#log.info({ sandbox: sandboxId }, 'pod removed');
  }
}

function podKey(pod: PodIdentity): string {
  return `${pod.namespace}/${pod.name}`;
}
