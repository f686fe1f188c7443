// The node's pod workers, one per pod UID, kept in step with the desired pods:
// a new pod gets a worker (which adopts what an earlier edgecore left
// running), a pod deleted or marked for deletion has its worker terminate it
// (preStop, grace period), and a kedge pod the runtime has that the cache
// does not know at all (deleted while edgecore was down, or whose
// termination failed: containerd was down) is stopped and removed, at start
// and by the sweep edged runs every turn. A termination that fails is tried
// again at the next sync while the pod is still cached. detachAll() leaves
// every container running for the next edgecore.
import type { Pod } from '@kedge/api';
import type { Clock, Logger } from '@kedge/runtime';
import type { DesiredPods } from './pod-set.ts';
import { PodWorker, type PodWorkerOptions } from './pod-worker.ts';
import type { PodRuntime, RuntimePod } from './runtime/index.ts';
import type { VolumeSourceType } from './pod-spec.ts';

/** Everything a worker needs except its pod and its status sink. */
type WorkerBase = Omit<PodWorkerOptions, 'pod' | 'onStatus'>;

export interface PodWorkersOptions {
  base: WorkerBase;
  runtime: PodRuntime;
  sinkFor: (pod: Pod) => PodWorkerOptions['onStatus'];
  clock: Clock;
  log: Logger;
}

/** Grace period for a pod found running that no cached object describes. */
const ORPHAN_GRACE_SECONDS = 30;

export class PodWorkers {
  readonly #o: PodWorkersOptions;
  readonly #workers = new Map<string, PodWorker>();
  /** The spec (JSON) each worker runs: a changed one gets the pod a new worker. */
  readonly #specs = new Map<string, string>();
  /** UIDs whose worker is being replaced (the old one detaching). */
  readonly #replacing = new Set<string>();
  /** UIDs terminated (or being terminated): never started again. */
  readonly #finished = new Set<string>();
  readonly #terminations = new Set<Promise<void>>();
  /** UIDs whose termination is running (the orphan sweep leaves them to it). */
  readonly #terminating = new Set<string>();
  /** Grace periods of pods whose termination failed, for the sweep that removes them instead. */
  readonly #orphanGrace = new Map<string, number>();
  /** The orphan sweep in progress, if any. */
  #sweep: Promise<void> | undefined;
  #stopped = false;
  #desired: DesiredPods = { run: new Map(), terminate: new Map() };

  constructor(o: PodWorkersOptions) {
    this.#o = o;
  }

  /** Starts, keeps and terminates workers so that exactly `desired.run` runs. */
  sync(desired: DesiredPods): void {
    this.#desired = desired;
    for (const [uid, w] of this.#workers) {
      if (!desired.run.has(uid)) this.#terminate(uid, w, desired.terminate.get(uid));
    }
    for (const [uid, pod] of desired.terminate) {
      // Marked for deletion before this edgecore saw it running: adopt and terminate it (preStop runs).
      if (!this.#finished.has(uid) && !this.#workers.has(uid)) this.#terminate(uid, this.#worker(pod), pod);
    }
    // A UID gone from the cache cannot come back (metaManager refuses updates of a deleted UID).
    for (const uid of this.#finished) {
      if (!desired.run.has(uid) && !desired.terminate.has(uid)) this.#finished.delete(uid);
    }
    for (const [uid, pod] of desired.run) {
      if (this.#finished.has(uid) || this.#replacing.has(uid)) continue;
      const running = this.#workers.get(uid);
      if (running && this.#specs.get(uid) !== JSON.stringify(pod.spec)) this.#replace(uid, running, pod);
      else if (!running) this.#start(uid, pod);
    }
  }

  #start(uid: string, pod: Pod): void {
    const w = this.#worker(pod);
    this.#workers.set(uid, w);
    this.#specs.set(uid, JSON.stringify(pod.spec));
    this.#o.log.info({ resource: podKey(pod), uid }, 'starting pod worker');
    void w.start().catch((err: unknown) => this.#o.log.warn({ err, uid }, 'pod worker start failed'));
  }

  /**
   * The pod's spec changed (an image update): the old worker detaches and a
   * new one adopts the pod; containers whose spec hash changed are replaced,
   * the others keep running.
   */
  #replace(uid: string, old: PodWorker, pod: Pod): void {
    this.#workers.delete(uid);
    this.#replacing.add(uid);
    this.#o.log.info({ resource: podKey(pod), uid }, 'pod spec changed; handing the pod to a new worker');
    const done = old
      .detach()
      .then(() => {
        // The pod as it is now: it may have been deleted or changed again meanwhile.
        if (this.#stopped || this.#finished.has(uid)) return;
        const current = this.#desired.run.get(uid);
        if (current) this.#start(uid, current);
        else this.#terminate(uid, this.#worker(pod), this.#desired.terminate.get(uid));
      })
      .catch((err: unknown) => this.#o.log.error({ err, uid }, 'pod worker replacement failed'))
      .finally(() => {
        this.#replacing.delete(uid);
        this.#terminations.delete(done);
      });
    this.#terminations.add(done);
  }

  /** A ConfigMap, Secret or pod's ServiceAccount token changed: pods using it get their volumes written again. */
  async refreshVolumes(kind: VolumeSourceType, namespace: string, name: string): Promise<void> {
    for (const [uid, w] of this.#workers) {
      if (!w.mounts(kind, namespace, name)) continue;
      await w
        .refreshVolumes()
        .catch((err: unknown) =>
          this.#o.log.warn({ err, uid, object: `${namespace}/${kind}/${name}` }, 'volume refresh failed'),
        );
    }
  }

  /**
   * Stops and removes kedge pods on the runtime whose UID no cached pod has
   * and no worker owns; `desired` (at start) is the first desired set.
   */
  async removeOrphans(desired?: DesiredPods): Promise<void> {
    if (desired) this.#desired = desired;
    const orphans = (await this.#o.runtime.listPods()).filter((p) => {
      const uid = p.sandbox.pod.uid;
      // checked against the newest desired set: a pod may have been added since the list began
      const owned = this.#workers.has(uid) || this.#terminating.has(uid) || this.#replacing.has(uid);
      return !(owned || this.#desired.run.has(uid) || this.#desired.terminate.has(uid));
    });
    // All at once: each waits out its own grace period, so one after the other would add them up.
    const results = await Promise.allSettled(orphans.map((p) => this.#removeOrphan(p)));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  async #removeOrphan(p: RuntimePod): Promise<void> {
    const uid = p.sandbox.pod.uid;
    this.#o.log.info(
      { resource: `${p.sandbox.pod.namespace}/${p.sandbox.pod.name}`, uid, sandbox: p.sandbox.id },
      'removing a pod no cached object describes (deleted while edgecore was down)',
    );
    const grace = this.#orphanGrace.get(uid) ?? p.sandbox.graceSeconds ?? ORPHAN_GRACE_SECONDS;
    await this.#o.runtime.stopPod(p.sandbox.id, grace);
    await this.#o.runtime.removePod(p.sandbox.id);
    this.#orphanGrace.delete(uid);
  }

  /** Runs removeOrphans in the background unless a sweep is still running; failures are logged. */
  sweepOrphans(): void {
    if (this.#sweep || this.#stopped) return;
    this.#sweep = this.removeOrphans()
      .catch((err: unknown) => this.#o.log.warn({ err }, 'orphan pod sweep failed; retried next turn'))
      .finally(() => (this.#sweep = undefined));
  }

  /** edgecore stopping: every worker stops, containers keep running; terminations in progress finish. */
  async detachAll(): Promise<void> {
    this.#stopped = true;
    const workers = [...this.#workers.values()];
    this.#workers.clear();
    await Promise.all(workers.map((w) => w.detach()));
    await Promise.all([...this.#terminations]);
    await this.#sweep;
  }

  #worker(pod: Pod): PodWorker {
    return new PodWorker({ ...this.#o.base, pod, onStatus: this.#o.sinkFor(pod) });
  }

  #terminate(uid: string, w: PodWorker, marked: Pod | undefined): void {
    const spec = this.#specs.get(uid);
    const own =
      spec === undefined ? undefined : (JSON.parse(spec) as Pod['spec']).terminationGracePeriodSeconds;
    this.#workers.delete(uid);
    this.#specs.delete(uid);
    this.#finished.add(uid);
    const requested: unknown = marked?.metadata['deletionGracePeriodSeconds'];
    const grace = typeof requested === 'number' ? requested : undefined;
    this.#terminating.add(uid);
    this.#o.log.info({ uid, graceSeconds: grace }, 'terminating pod');
    // Marked for deletion (cluster mode): the cloud ends the deletion on the terminal status.
    const done = w
      .terminate(grace, marked !== undefined)
      .catch((err: unknown) => {
        // Not finished after all: still cached, the next sync terminates it again; gone from the
        // cache, the orphan sweep removes what runs.
        this.#finished.delete(uid);
        this.#orphanGrace.set(uid, grace ?? own ?? ORPHAN_GRACE_SECONDS);
        this.#o.log.error({ err, uid }, 'pod termination failed; tried again next turn');
      })
      .finally(() => {
        this.#terminating.delete(uid);
        this.#terminations.delete(done);
      });
    this.#terminations.add(done);
  }
}

function podKey(pod: Pod): string {
  return `${pod.metadata.namespace ?? 'default'}/${pod.metadata.name}`;
}
