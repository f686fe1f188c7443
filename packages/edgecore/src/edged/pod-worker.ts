// One pod's worker: keeps the pod's containers running on PodRuntime the way
// kubelet's pod worker does. Each sync (every second, or sooner when a probe
// result changes) it adopts or runs the sandbox, starts containers that have
// none, restarts exited ones per restartPolicy after the CrashLoopBackOff
// wait, kills a container whose liveness or startup probe failed, runs the
// probes that are due, and offers the pod status to the coalescer (which
// sends only changes). detach() stops the worker and leaves the containers
// running (edgecore stopping); a fresh worker adopts them by their labels,
// with the same container IDs. terminate() runs preStop hooks and stops
// everything within terminationGracePeriodSeconds.
import type { Clock, Logger } from '@kedge/runtime';
import { CriRuntimeService, type CriClient } from '../cri/index.ts';
import type { ContainerLauncher } from './container-launcher.ts';
import { ContainerProber, type ContainerTrack } from './container-prober.ts';
import { ContainerSync, isNotFound } from './container-sync.ts';
import type { PodRuntimeFacts } from './env-resolver.ts';
import { buildPodStatus } from './pod-status-builder.ts';
import { adoptSandbox, freshSandbox, type PodSandboxRun } from './pod-sandbox.ts';
import { kubeTime, podNamespace, type EdgePod, type PodStatus, type VolumeSourceType } from './pod-spec.ts';
import type { PodVolumes } from './pod-volumes.ts';
import { ProbeExecutor, tcpDialer, type Dialer } from './probe-executors.ts';
import { ContainerProbes } from './probe-state.ts';
import { RestartBackOff } from './restart-backoff.ts';
import type { PodRuntime } from './runtime/index.ts';
import type { StartGate } from './start-gate.ts';
import { StatusCoalescer, type StatusSink } from './status-coalescer.ts';

export interface PodWorkerOptions {
  pod: EdgePod;
  runtime: PodRuntime;
  cri: CriClient;
  launcher: ContainerLauncher;
  volumes: PodVolumes;
  node: { name: string; ip: string };
  podLogsRoot: string;
  /** cgroupfs parent of the node's pods; the pod's cgroup is `<parent>/pod<uid>`. */
  cgroupRoot?: string;
  onStatus: StatusSink;
  clock: Clock;
  log: Logger;
  /** Shared by the node's workers. */
  backoff?: RestartBackOff;
  dial?: Dialer;
  syncIntervalMs?: number;
  /** Shared by the node's workers: the first sync waits for a turn (start-gate.ts). */
  startGate?: StartGate;
}

const POD_WORKER_STATE = {
  idle: 'idle',
  running: 'running',
  detached: 'detached',
  terminated: 'terminated',
} as const;
export type PodWorkerState = (typeof POD_WORKER_STATE)[keyof typeof POD_WORKER_STATE];

export class PodWorker {
  readonly #o: PodWorkerOptions;
  readonly #log: Logger;
  readonly #backoff: RestartBackOff;
  readonly #containers: ContainerSync;
  readonly #coalescer: StatusCoalescer;
  readonly #tracks: ContainerTrack[];
  readonly #stop = new AbortController();
  #wake = new AbortController();
  #sandbox: PodSandboxRun | undefined;
  /** Attempt of the last sandbox dropped, so the next one counts on from it. */
  #sandboxAttempt = -1;
  #status: PodStatus | undefined;
  #loop: Promise<void> | undefined;
  state: PodWorkerState = POD_WORKER_STATE.idle;

  constructor(o: PodWorkerOptions) {
    this.#o = o;
    this.#log = o.log.child({
      module: 'edged',
      component: 'pod-worker',
      resource: `${podNamespace(o.pod)}/${o.pod.metadata.name}`,
    });
    this.#backoff = o.backoff ?? new RestartBackOff(o.clock);
    const cri = new CriRuntimeService(o.cri);
    const executor = new ProbeExecutor(cri, o.dial ?? tcpDialer);
    this.#containers = new ContainerSync({
      pod: o.pod,
      runtime: o.runtime,
      cri,
      launcher: o.launcher,
      prober: new ContainerProber(executor, o.clock, this.#log, () => this.wake()),
      backoff: this.#backoff,
      clock: o.clock,
      log: this.#log,
    });
    this.#coalescer = new StatusCoalescer({ sink: o.onStatus, clock: o.clock, log: this.#log });
    this.#tracks = o.pod.spec.containers.map((spec) => ({
      spec,
      probes: new ContainerProbes(spec),
      nextAttempt: 0,
      inflight: new Set(),
    }));
  }

  /** The last status built (what was offered upstream). */
  get status(): PodStatus | undefined {
    return this.#status;
  }

  /** Starts the sync loop; resolves after the first sync (which waits for a turn at the start gate). */
  async start(): Promise<void> {
    this.state = POD_WORKER_STATE.running;
    const gate = this.#o.startGate;
    let release: (() => void) | undefined;
    if (gate) {
      const asked = this.#o.clock.now();
      release = await gate.acquire(this.#stop.signal).catch(() => undefined);
      if (!release) return; // stopped while waiting for its turn
      this.#log.debug({ waitedMs: this.#o.clock.now() - asked }, 'pod start turn');
    }
    try {
      await this.#syncOnce();
    } finally {
      release?.();
    }
    this.#loop = this.#run();
  }

  /** True when one of the pod's volumes is the ConfigMap or Secret `namespace/name`, or its own token. */
  mounts(kind: VolumeSourceType, namespace: string, name: string): boolean {
    if (podNamespace(this.#o.pod) !== namespace) return false;
    if (kind === 'serviceaccounttoken') return this.#o.pod.metadata.name === name;
    return (this.#o.pod.spec.volumes ?? []).some((v) =>
      kind === 'configmap' ? v.configMap?.name === name : v.secret?.secretName === name,
    );
  }

  /**
   * Writes the pod's configMap, secret and downwardAPI volumes again from the
   * objects as they are now (kubelet's volume refresh): running containers
   * see the new files. Env vars keep the values their container started with.
   */
  async refreshVolumes(): Promise<void> {
    const sandbox = this.#sandbox;
    if (!sandbox || this.state !== POD_WORKER_STATE.running) return;
    await this.#o.volumes.prepare(this.#o.pod, {
      podIP: sandbox.ip,
      hostIP: this.#o.node.ip,
      nodeName: this.#o.node.name,
    });
  }

  /** Syncs now instead of at the next tick. */
  wake(): void {
    this.#wake.abort();
  }

  /** Stops the worker, leaving the pod's sandbox and containers running (to be adopted). */
  async detach(): Promise<void> {
    this.#stop.abort();
    await this.#loop;
    this.#coalescer.close();
    this.state = POD_WORKER_STATE.detached;
  }

  /**
   * preStop hooks, then stop every container and the sandbox within the grace period; removes the pod.
   * `report`: the pod was marked for deletion (cluster mode): its terminal status goes upstream once
   * the containers stopped, so the cloud can end the graceful deletion, as kubelet's last status does.
   */
  async terminate(
    graceSeconds = this.#o.pod.spec.terminationGracePeriodSeconds ?? 30,
    report = false,
  ): Promise<void> {
    await this.detach();
    const o = this.#o;
    // A worker that never synced (the pod was deleted while edgecore was down) finds what runs first.
    this.#sandbox ??= await this.#adopt();
    const deadline = o.clock.now() + graceSeconds * 1000;
    await Promise.all(this.#tracks.map((t) => this.#containers.stop(t, deadline)));
    if (report) await this.#reportTerminal();
    const uid = o.pod.metadata.uid ?? '';
    for (const p of await o.runtime.listPods({
      namespace: podNamespace(o.pod),
      name: o.pod.metadata.name,
      uid,
    })) {
      await o.runtime.stopPod(p.sandbox.id, 0);
      await o.runtime.removePod(p.sandbox.id);
    }
    await this.#o.volumes.cleanup(this.#o.pod);
    this.#backoff.forget(`${this.#o.pod.metadata.uid ?? ''}/`);
    this.state = POD_WORKER_STATE.terminated;
    this.#log.info({ graceSeconds }, 'pod terminated');
  }

  async #run(): Promise<void> {
    while (!this.#stop.signal.aborted) {
      const next = Math.min(
        this.#o.clock.now() + (this.#o.syncIntervalMs ?? 1000),
        ...this.#tracks.map((t) => (t.current?.state === 'running' ? t.probes.nextAt() : Infinity)),
      );
      this.#wake = new AbortController();
      const wait = AbortSignal.any([this.#stop.signal, this.#wake.signal]);
      await this.#o.clock.sleep(Math.max(50, next - this.#o.clock.now()), wait).catch(() => undefined);
      if (!this.#stop.signal.aborted) await this.#syncOnce();
    }
  }

  async #syncOnce(): Promise<void> {
    try {
      await this.#sync();
    } catch (err: unknown) {
      if (!this.#stop.signal.aborted) this.#log.warn({ err }, 'pod sync failed; retrying');
    }
  }

  async #sync(): Promise<void> {
    const o = this.#o;
    if (this.#sandbox && !(await this.#sandboxReady(this.#sandbox.id)))
      await this.#dropSandbox(this.#sandbox);
    this.#sandbox ??= await this.#ensureSandbox();
    const sandbox = this.#sandbox;
    const facts: PodRuntimeFacts = { podIP: sandbox.ip, hostIP: o.node.ip, nodeName: o.node.name };
    for (const t of this.#tracks) {
      await this.#containers.refresh(t);
      await this.#containers.sync(t, sandbox, facts, this.#stop.signal);
    }
    this.#status = buildPodStatus({
      pod: o.pod,
      containers: this.#tracks.map((t) => ({
        name: t.spec.name,
        ...(t.current ? { current: t.current } : {}),
        ...(t.previous ? { previous: t.previous } : {}),
        ...(t.waiting ? { waiting: t.waiting } : {}),
        ready: t.current?.state === 'running' && t.probes.ready,
        started: t.current?.state === 'running' && t.probes.started,
      })),
      podIP: sandbox.ip,
      hostIP: o.node.ip,
      ...(sandbox.createdAt ? { startTime: kubeTime(Date.parse(sandbox.createdAt)) } : {}),
      now: o.clock.now(),
      ...(this.#status ? { previous: this.#status } : {}),
    });
    if (this.#coalescer.offer(this.#status))
      this.#log.debug(
        {
          phase: this.#status.phase,
          ready: this.#status.conditions?.find((c) => c.type === 'Ready')?.status,
        },
        'pod status offered',
      );
  }

  /** The status of the stopped pod (every container terminated, phase Succeeded/Failed), sent once. */
  async #reportTerminal(): Promise<void> {
    const o = this.#o;
    for (const t of this.#tracks) {
      const id = t.current?.id;
      if (id) t.current = await o.runtime.containerStatus(id).catch(() => t.current);
    }
    const sandbox = this.#sandbox;
    const status = buildPodStatus({
      pod: o.pod,
      containers: this.#tracks.map((t) => ({
        name: t.spec.name,
        ...(t.current ? { current: t.current } : {}),
        ...(t.previous ? { previous: t.previous } : {}),
        ready: false,
        started: false,
      })),
      ...(sandbox?.ip ? { podIP: sandbox.ip } : {}),
      hostIP: o.node.ip,
      now: o.clock.now(),
      ...(this.#status ? { previous: this.#status } : {}),
      terminal: true,
    });
    this.#status = status;
    await o.onStatus(status).then(
      () => this.#log.info({ phase: status.phase }, 'terminal pod status sent'),
      (err: unknown) => this.#log.warn({ err }, 'terminal pod status not sent'),
    );
  }

  async #sandboxReady(id: string): Promise<boolean> {
    try {
      return (await this.#o.runtime.sandboxStatus(id)).ready;
    } catch (err: unknown) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  /** kubelet's rule: a sandbox that died takes its containers with it; the pod gets a new one. */
  async #dropSandbox(sandbox: PodSandboxRun): Promise<void> {
    this.#log.warn(
      { sandbox: sandbox.id },
      'pod sandbox is not ready; starting a new one and its containers',
    );
    for (const t of this.#tracks) {
      if (!t.current) continue;
      t.nextAttempt = t.current.attempt + 1;
      t.previous = t.current;
      t.current = undefined;
    }
    await this.#o.runtime
      .stopPod(sandbox.id, 0)
      .catch((err: unknown) => this.#log.warn({ err }, 'stop of the dead sandbox failed'));
    await this.#o.runtime
      .removePod(sandbox.id)
      .catch((err: unknown) => this.#log.warn({ err }, 'removal of the dead sandbox failed'));
    this.#sandboxAttempt = sandbox.spec.pod.attempt;
    this.#sandbox = undefined;
  }

  async #ensureSandbox(): Promise<PodSandboxRun> {
    const o = this.#o;
    const adopted = await this.#adopt();
    return adopted ?? freshSandbox(o.runtime, o.pod, o.podLogsRoot, o.cgroupRoot, this.#sandboxAttempt);
  }

  /** The pod's ready sandbox an earlier edgecore left, with each container's newest and previous container. */
  async #adopt(): Promise<PodSandboxRun | undefined> {
    const o = this.#o;
    const adopted = await adoptSandbox(o.runtime, o.pod, o.podLogsRoot, o.cgroupRoot);
    if (!adopted) return undefined;
    for (const t of this.#tracks) {
      const mine = adopted.containers
        .filter((c) => c.name === t.spec.name)
        .sort((a, b) => b.attempt - a.attempt);
      if (mine[0]) t.current = await o.runtime.containerStatus(mine[0].id);
      if (mine[1]) t.previous = await o.runtime.containerStatus(mine[1].id);
      t.nextAttempt = (mine[0]?.attempt ?? -1) + 1;
      if (t.current?.state === 'running')
        t.probes.reset(Date.parse(t.current.startedAt ?? '') || o.clock.now());
    }
    this.#log.info({ sandbox: adopted.run.id, containers: adopted.containers.length }, 'pod adopted');
    return adopted.run;
  }
}
