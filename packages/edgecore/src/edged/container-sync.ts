// One container of a pod, one sync step, as kubelet's computePodActions and
// startContainer decide it: a running container has its due probes started
// and is killed when liveness or startup failed; an exited one runs again if
// restartPolicy says so, at once the first time and then after the
// CrashLoopBackOff wait; a container with none is started. Also the
// container's part of graceful termination (preStop, then stop within what is
// left of the grace period).
import { errorMessage, hasCode } from '@kedge/api';
import type { Clock, Logger } from '@kedge/runtime';
import type { CriRuntimeService } from '../cri/index.ts';
import { containerSpecHash } from './container-hash.ts';
import type { ContainerLauncher } from './container-launcher.ts';
import type { ContainerProber, ContainerTrack } from './container-prober.ts';
import type { PodRuntimeFacts } from './env-resolver.ts';
import type { PodSandboxRun } from './pod-sandbox.ts';
import { formatPod, type EdgePod } from './pod-spec.ts';
import type { ProbeState } from './probe-state.ts';
import { crashLoopMessage, shouldRestart, type RestartBackOff } from './restart-backoff.ts';
import type { PodContainerStatus, PodRuntime } from './runtime/index.ts';

export interface ContainerSyncOptions {
  pod: EdgePod;
  runtime: PodRuntime;
  cri: CriRuntimeService;
  launcher: ContainerLauncher;
  prober: ContainerProber;
  backoff: RestartBackOff;
  clock: Clock;
  log: Logger;
}

/** The runtime has no such sandbox or container (gRPC NOT_FOUND). */
export function isNotFound(err: unknown): boolean {
  return hasCode(err, 'KEDGE_CRI_ERROR') && err.context['grpcCode'] === 5;
}

export class ContainerSync {
  readonly #o: ContainerSyncOptions;

  constructor(o: ContainerSyncOptions) {
    this.#o = o;
  }

  /** Reads the current container's status; one removed behind edged's back is started again (next attempt). */
  async refresh(t: ContainerTrack): Promise<void> {
    const c = t.current;
    if (!c) return;
    try {
      t.current = await this.#o.runtime.containerStatus(c.id);
    } catch (err: unknown) {
      if (!isNotFound(err)) throw err;
      this.#o.log.warn(
        { container: t.spec.name, id: c.id },
        'container is gone from the runtime; starting a new one',
      );
      t.current = undefined;
      t.nextAttempt = c.attempt + 1;
    }
  }

  async sync(
    t: ContainerTrack,
    sandbox: PodSandboxRun,
    facts: PodRuntimeFacts,
    signal: AbortSignal,
  ): Promise<void> {
    const { pod, backoff } = this.#o;
    let c = t.current;
    // kubelet's "container spec changed": the running container is replaced at once.
    const changed =
      c?.state === 'running' && c.specHash !== undefined && c.specHash !== containerSpecHash(t.spec);
    if (c?.state === 'running' && !changed) {
      t.waiting = undefined;
      const failed = t.probes.failed;
      if (failed) return this.#kill(t, c, failed);
      this.#o.prober.runDue(t, facts.podIP, signal);
      return;
    }
    if (c && changed) {
      this.#o.log.info(
        { container: t.spec.name, id: c.id },
        'container spec changed; replacing the container',
      );
      await this.#o.runtime.stopContainer(c.id, pod.spec.terminationGracePeriodSeconds ?? 30);
      c = await this.#o.runtime.containerStatus(c.id);
      t.current = c;
    }
    let attempt = t.nextAttempt;
    if (c && changed) attempt = c.attempt + 1;
    else if (c) {
      if (c.state === 'exited' && !shouldRestart(pod.spec.restartPolicy, c.exitCode ?? 0)) {
        t.waiting = undefined;
        return;
      }
      const key = `${pod.metadata.uid ?? ''}/${t.spec.name}`;
      // A container that never ran (created, unknown) counts from its creation.
      const finishedAt = Date.parse(c.finishedAt ?? c.createdAt ?? '') || 0;
      if (backoff.inBackOffSince(key, finishedAt)) {
        const message = crashLoopMessage(backoff.get(key), t.spec.name, formatPod(pod));
        t.waiting = { reason: 'CrashLoopBackOff', message };
        return;
      }
      backoff.next(key);
      attempt = c.attempt + 1;
    }
    const result = await this.#o.launcher.launch(pod, t.spec, attempt, sandbox, facts, signal);
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
    t.waiting = result.ok ? undefined : { reason: result.reason, message: result.message };
    if (!result.ok) return;
    t.probes.reset(this.#o.clock.now());
    this.#o.log.info(
      { container: t.spec.name, id, attempt },
      attempt > 0 ? 'container restarted' : 'container started',
    );
  }

  /** preStop exec hook, then SIGTERM and SIGKILL at `deadline` (ms). */
  async stop(t: ContainerTrack, deadline: number): Promise<void> {
    const id = t.current?.state === 'running' ? t.current.id : undefined;
    if (!id) return;
    const preStop = t.spec.lifecycle?.preStop?.exec?.command;
    const left = (): number => Math.max(0, Math.ceil((deadline - this.#o.clock.now()) / 1000));
    if (preStop && left() > 0) {
      const result = await this.#o.cri.execSync(id, preStop, left()).then(
        (r) => `exit ${r.exitCode}`,
        (err: unknown) => errorMessage(err),
      );
      this.#o.log.info({ container: t.spec.name, result }, 'preStop hook ran');
    }
    await this.#o.runtime.stopContainer(id, left());
  }

  async #kill(t: ContainerTrack, c: PodContainerStatus, failed: ProbeState): Promise<void> {
    const fields = { container: t.spec.name, id: c.id, probe: failed.kind };
    this.#o.log.info(fields, `container failed its ${failed.kind} probe; killing it to restart`);
    await this.#o.runtime.stopContainer(c.id, this.#o.pod.spec.terminationGracePeriodSeconds ?? 30);
    t.current = await this.#o.runtime.containerStatus(c.id);
    // Its probes start over with the next container.
    t.probes.reset(this.#o.clock.now());
  }
}
