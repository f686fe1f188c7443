// The CRI RuntimeService pod and container calls, typed: one method per call,
// request and answer in the wire shapes of runtime-wire.ts, errors those of
// CriClient (KEDGE_CRI_UNAVAILABLE / KEDGE_CRI_ERROR naming the call and its
// pod or container). No policy here: what to run is decided by the caller.
import type { CallOptions, CriClient } from './cri-client.ts';
import type {
  WireContainer,
  WireContainerConfig,
  WireContainerFilter,
  WireContainerStatus,
  WirePodSandbox,
  WirePodSandboxConfig,
  WirePodSandboxFilter,
  WirePodSandboxStatus,
} from './runtime-wire.ts';

export interface SandboxStatusAnswer {
  status: WirePodSandboxStatus;
  /** Verbose runtime details (JSON strings by key), only when asked. */
  info: Record<string, string>;
}

export interface ContainerStatusAnswer {
  status: WireContainerStatus;
  info: Record<string, string>;
}

/** What a command run with ExecSync printed and how it exited. */
export interface ExecSyncAnswer {
  stdout: Buffer;
  stderr: Buffer;
  exitCode: number;
}

export class CriRuntimeService {
  readonly #cri: CriClient;

  constructor(cri: CriClient) {
    this.#cri = cri;
  }

  /** Runs a sandbox; resolves with its id once the runtime reports it ready (network set up). */
  async runPodSandbox(config: WirePodSandboxConfig, o: CallOptions = {}): Promise<string> {
    const subject = `pod ${config.metadata.namespace}/${config.metadata.name}`;
    const res = (await this.#cri.runtimeCall('RunPodSandbox', { config }, o, subject)) as {
      podSandboxId: string;
    };
    return res.podSandboxId;
  }

  /** Stops every process of the sandbox and releases its network (idempotent). */
  async stopPodSandbox(id: string, o: CallOptions = {}): Promise<void> {
    await this.#cri.runtimeCall('StopPodSandbox', { podSandboxId: id }, o, `sandbox ${id}`);
  }

  /** Removes the sandbox and its containers (idempotent). */
  async removePodSandbox(id: string, o: CallOptions = {}): Promise<void> {
    await this.#cri.runtimeCall('RemovePodSandbox', { podSandboxId: id }, o, `sandbox ${id}`);
  }

  async podSandboxStatus(
    id: string,
    o: CallOptions & { verbose?: boolean } = {},
  ): Promise<SandboxStatusAnswer> {
    const req = { podSandboxId: id, verbose: o.verbose === true };
    const res = (await this.#cri.runtimeCall('PodSandboxStatus', req, o, `sandbox ${id}`)) as {
      status: WirePodSandboxStatus;
      info?: Record<string, string>;
    };
    return { status: res.status, info: res.info ?? {} };
  }

  async listPodSandbox(filter: WirePodSandboxFilter = {}, o: CallOptions = {}): Promise<WirePodSandbox[]> {
    const res = (await this.#cri.runtimeCall('ListPodSandbox', { filter }, o)) as {
      items?: WirePodSandbox[];
    };
    return res.items ?? [];
  }

  /** Creates (does not start) a container in the sandbox; resolves with its id. */
  async createContainer(
    sandboxId: string,
    config: WireContainerConfig,
    sandboxConfig: WirePodSandboxConfig,
    o: CallOptions = {},
  ): Promise<string> {
    const req = { podSandboxId: sandboxId, config, sandboxConfig };
    const subject = `container ${config.metadata.name} of sandbox ${sandboxId}`;
    const res = (await this.#cri.runtimeCall('CreateContainer', req, o, subject)) as { containerId: string };
    return res.containerId;
  }

  async startContainer(id: string, o: CallOptions = {}): Promise<void> {
    await this.#cri.runtimeCall('StartContainer', { containerId: id }, o, `container ${id}`);
  }

  /** SIGTERM, SIGKILL after `graceSeconds` (0: at once); idempotent. */
  async stopContainer(id: string, graceSeconds: number, o: CallOptions = {}): Promise<void> {
    // The call lasts as long as the grace period: give the deadline that much on top.
    const timeoutMs = o.timeoutMs ?? 10_000 + graceSeconds * 1000;
    const req = { containerId: id, timeout: graceSeconds };
    await this.#cri.runtimeCall('StopContainer', req, { ...o, timeoutMs }, `container ${id}`);
  }

  /** Removes the container, killing it if it still runs (idempotent). */
  async removeContainer(id: string, o: CallOptions = {}): Promise<void> {
    await this.#cri.runtimeCall('RemoveContainer', { containerId: id }, o, `container ${id}`);
  }

  async listContainers(filter: WireContainerFilter = {}, o: CallOptions = {}): Promise<WireContainer[]> {
    const res = (await this.#cri.runtimeCall('ListContainers', { filter }, o)) as {
      containers?: WireContainer[];
    };
    return res.containers ?? [];
  }

  async containerStatus(
    id: string,
    o: CallOptions & { verbose?: boolean } = {},
  ): Promise<ContainerStatusAnswer> {
    const req = { containerId: id, verbose: o.verbose === true };
    const res = (await this.#cri.runtimeCall('ContainerStatus', req, o, `container ${id}`)) as {
      status: WireContainerStatus;
      info?: Record<string, string>;
    };
    return { status: res.status, info: res.info ?? {} };
  }

  /**
   * Runs `cmd` in the running container and waits for it (at most
   * `timeoutSeconds`, 0: no limit on the runtime's side; the call's deadline
   * gets that plus 10 s).
   */
  async execSync(
    id: string,
    cmd: string[],
    timeoutSeconds: number,
    o: CallOptions = {},
  ): Promise<ExecSyncAnswer> {
    const timeoutMs = o.timeoutMs ?? 10_000 + timeoutSeconds * 1000;
    const req = { containerId: id, cmd, timeout: timeoutSeconds };
    const res = (await this.#cri.runtimeCall('ExecSync', req, { ...o, timeoutMs }, `container ${id}`)) as {
      stdout?: Buffer;
      stderr?: Buffer;
      exitCode?: number;
    };
    return {
      stdout: res.stdout ?? Buffer.alloc(0),
      stderr: res.stderr ?? Buffer.alloc(0),
      exitCode: res.exitCode ?? 0,
    };
  }
}
