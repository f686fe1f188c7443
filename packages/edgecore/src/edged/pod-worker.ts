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
import { errorMessage, hasCode } from '@kedge/api';
import type { Clock, Logger } from '@kedge/runtime';
import { CriRuntimeService, type CriClient } from '../cri/index.ts';
import type { ContainerLauncher } from './container-launcher.ts';
import { ContainerProber, type ContainerTrack } from './container-prober.ts';
import type { PodRuntimeFacts } from './env-resolver.ts';
import { buildPodStatus } from './pod-status-builder.ts';
import { adoptSandbox, freshSandbox, type PodSandboxRun } from './pod-sandbox.ts';
import { formatPod, kubeTime, podNamespace, type EdgePod, type PodStatus } from './pod-spec.ts';
import type { PodVolumes } from './pod-volumes.ts';
import { ProbeExecutor, tcpDialer, type Dialer } from './probe-executors.ts';
import { ContainerProbes, type ProbeState } from './probe-state.ts';
import { RestartBackOff, crashLoopMessage, shouldRestart } from './restart-backoff.ts';
import type { PodContainerStatus, PodRuntime } from './runtime/index.ts';
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
}

export const POD_WORKER_STATE = {
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
  readonly #prober: ContainerProber;
  readonly #cri: CriRuntimeService;
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
    this.#cri = new CriRuntimeService(o.cri);
    const executor = new ProbeExecutor(this.#cri, o.dial ?? tcpDialer);
    this.#prober = new ContainerProber(executor, o.clock, this.#log, () => this.wake());
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

  /** Starts the sync loop; resolves after the first sync. */
  async start(): Promise<void> {
    this.state = POD_WORKER_STATE.running;
    await this.#syncOnce();
    this.#loop = this.#run();
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

  /** preStop hooks, then stop every container and the sandbox within the grace period; removes the pod. */
  async terminate(graceSeconds = this.#o.pod.spec.terminationGracePeriodSeconds ?? 30): Promise<void> {
    await this.detach();
    const sandbox = this.#sandbox;
    if (sandbox) {
      const deadline = this.#o.clock.now() + graceSeconds * 1000;
      await Promise.all(this.#tracks.map((t) => this.#stopContainer(t, deadline)));
      await this.#o.runtime.stopPod(sandbox.id, 0);
      await this.#o.runtime.removePod(sandbox.id);
    }
    await this.#o.volumes.cleanup(this.#o.pod);
    this.#backoff.forget(`${this.#o.pod.metadata.uid ?? ''}/`);
    this.state = POD_WORKER_STATE.terminated;
    this.#log.info({ graceSeconds }, 'pod terminated');
  }

  async #stopContainer(t: ContainerTrack, deadline: number): Promise<void> {
    const id = t.current?.state === 'running' ? t.current.id : undefined;
    if (!id) return;
    const preStop = t.spec.lifecycle?.preStop?.exec?.command;
    const left = (): number => Math.max(0, Math.ceil((deadline - this.#o.clock.now()) / 1000));
    if (preStop && left() > 0) {
      const result = await this.#cri.execSync(id, preStop, left()).then(
        (r) => `exit ${r.exitCode}`,
        (err: unknown) => errorMessage(err),
      );
      this.#log.info({ container: t.spec.name, result }, 'preStop hook ran');
    }
    await this.#o.runtime.stopContainer(id, left());
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
      if (t.current) await this.#refresh(t, t.current);
      await this.#syncContainer(t, sandbox, facts);
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
    this.#coalescer.offer(this.#status);
  }

  /** A container removed behind edged's back is started again (with the next attempt). */
  async #refresh(t: ContainerTrack, c: PodContainerStatus): Promise<void> {
    try {
      t.current = await this.#o.runtime.containerStatus(c.id);
    } catch (err: unknown) {
      if (!isNotFound(err)) throw err;
      this.#log.warn(
        { container: t.spec.name, id: c.id },
        'container is gone from the runtime; starting a new one',
      );
      t.current = undefined;
      t.nextAttempt = c.attempt + 1;
    }
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
    const adopted = await adoptSandbox(o.runtime, o.pod, o.podLogsRoot, o.cgroupRoot);
    if (adopted) {
      for (const t of this.#tracks) {
        const mine = adopted.containers
          .filter((c) => c.name === t.spec.name)
          .sort((a, b) => b.attempt - a.attempt);
        if (mine[0]) t.current = await o.runtime.containerStatus(mine[0].id);
        if (mine[1]) t.previous = await o.runtime.containerStatus(mine[1].id);
        if (t.current?.state === 'running')
          t.probes.reset(Date.parse(t.current.startedAt ?? '') || o.clock.now());
      }
      this.#log.info({ sandbox: adopted.run.id, containers: adopted.containers.length }, 'pod adopted');
      return adopted.run;
    }
    return freshSandbox(o.runtime, o.pod, o.podLogsRoot, o.cgroupRoot, this.#sandboxAttempt);
  }

  async #syncContainer(t: ContainerTrack, sandbox: PodSandboxRun, facts: PodRuntimeFacts): Promise<void> {
    const c = t.current;
    const pod = this.#o.pod;
    if (c?.state === 'running') {
      t.waiting = undefined;
      const failed = t.probes.failed;
      if (failed) return this.#kill(t, c, failed);
      this.#prober.runDue(t, facts.podIP, this.#stop.signal);
      return;
    }
    let attempt = t.nextAttempt;
    if (c) {
      if (c.state === 'exited' && !shouldRestart(pod.spec.restartPolicy, c.exitCode ?? 0)) {
        t.waiting = undefined;
        return;
      }
      const key = `${pod.metadata.uid ?? ''}/${t.spec.name}`;
      // A container that never ran (created, unknown) counts from its creation.
      const finishedAt = Date.parse(c.finishedAt ?? c.createdAt ?? '') || 0;
      if (this.#backoff.inBackOffSince(key, finishedAt)) {
        const message = crashLoopMessage(this.#backoff.get(key), t.spec.name, formatPod(pod));
        t.waiting = { reason: 'CrashLoopBackOff', message };
        return;
      }
      this.#backoff.next(key);
      attempt = c.attempt + 1;
    }
    const result = await this.#o.launcher.launch(pod, t.spec, attempt, sandbox, facts, this.#stop.signal);
    const id = result.id;
    if (id === undefined) {
      t.waiting = result.ok ? undefined : { reason: result.reason, message: result.message };
      return;
    }
    // A new container (even one that failed to start): the one before becomes the last state.
    if (c && t.previous) await this.#o.runtime.removeContainer(t.previous.id).catch(() => undefined);
    if (c) t.previous = c;
    t.nextAttempt = attempt + 1;
    t.current = await this.#o.runtime.containerStatus(id);
    if (!result.ok) {
      t.waiting = { reason: result.reason, message: result.message };
      return;
    }
    t.waiting = undefined;
    t.probes.reset(this.#o.clock.now());
    this.#log.info(
      { container: t.spec.name, id, attempt },
      attempt > 0 ? 'container restarted' : 'container started',
    );
  }

  async #kill(t: ContainerTrack, c: PodContainerStatus, failed: ProbeState): Promise<void> {
    this.#log.info(
      { container: t.spec.name, id: c.id, probe: failed.kind },
      `container failed ${failed.kind} probe, will be restarted`,
    );
    const grace = this.#o.pod.spec.terminationGracePeriodSeconds ?? 30;
    await this.#o.runtime.stopContainer(c.id, grace);
    t.current = await this.#o.runtime.containerStatus(c.id);
    // The container is gone; its probes start over with the next one.
    t.probes.reset(this.#o.clock.now());
  }
}

/** The runtime has no such sandbox or container (gRPC NOT_FOUND). */
function isNotFound(err: unknown): boolean {
  return hasCode(err, 'KEDGE_CRI_ERROR') && err.context['grpcCode'] === 5;
}
