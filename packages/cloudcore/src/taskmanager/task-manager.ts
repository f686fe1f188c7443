// cloudcore's node-task pipeline (docs/node-tasks.md), KubeEdge's split:
// informers on the three job kinds feed one Executor per job that has nodes
// to start or to (re)send (executor/: decides what starts), which sends
// through the DownstreamController (downstream/: everything to nodes); the
// nodes' action reports and progress come in through the UpstreamController
// (upstream/: everything from nodes) and are recorded through one coalescing
// status writer per job (status/). Everything it knows is in the store, so a
// restarted replica resumes every job from its informers' first list.
import {
  DEFAULT_IMAGE_SECRET_NAMESPACES,
  NODE_TASK_KIND_NAMES,
  isJobFinished,
  jobKey,
  NodeTaskMode,
  nodeTaskVersionOf,
  type NodeTaskJob,
  type NodeTaskKind,
} from '@kedge/api';
import type { Clock, Logger } from '@kedge/runtime';
import { createInformer, type Informer, type ResourceStore, type WatchEvent } from '@kedge/store';
import type { DownstreamController } from './downstream/downstream-controller.ts';
import { NodeTaskDownstream } from './downstream/node-task-downstream.ts';
import { loadTaskPrelude } from './downstream/task-prelude.ts';
import { Executor } from './executor/executor.ts';
import { JobStatusWriter } from './status/job-status-writer.ts';
import { NodeTaskReports } from './upstream/node-task-reports.ts';
import type { UpstreamRoute } from './upstream/upstream-controller.ts';

export interface TaskManagerOptions {
  store: ResourceStore;
  /** Where tasks, confirmations and pull Secrets go out; tells when a node registered here. */
  downstream: DownstreamController;
  replicaId: string;
  clock: Clock;
  log: Logger;
  /** How long an idle status writer collects reports before writing (default 20 ms). */
  batchWindowMs?: number;
  /** Wait before retrying a failed dispatch (default 1000 ms). */
  retryDelayMs?: number;
  /** Says (once per job) why a job created as v1alpha1 is left alone. */
  refusals?: { refuse(job: NodeTaskJob): Promise<void> };
  /** Namespaces a pull Secret may be read from (modules.taskManager.imageSecretNamespaces); default kubeedge. */
  imageSecretNamespaces?: readonly string[];
}

export class TaskManager {
  private readonly o: TaskManagerOptions;
  private readonly log: Logger;
  private readonly abort = new AbortController();
  private readonly executors = new Map<string, Executor>();
  private readonly downstream: NodeTaskDownstream;
  private readonly reports: NodeTaskReports;
  private readonly writers = new Map<string, JobStatusWriter>();
  private informers: Informer<NodeTaskKind>[] = [];

  constructor(options: TaskManagerOptions) {
    this.o = options;
    this.log = options.log.child({ module: 'taskmanager' });
    this.downstream = new NodeTaskDownstream(options.downstream, options.clock);
    this.reports = new NodeTaskReports({
      writerFor: (kind, name) => this.writerFor(kind, name),
      clock: options.clock,
      log: this.log,
    });
    options.downstream.onNodeConnected((node) => this.nodeConnected(node));
  }

  /** What the UpstreamController routes here: action reports and progress. */
  upstreamRoutes(): UpstreamRoute[] {
    return this.reports.routes();
  }

  /** Lists every job (resuming those in flight) and follows changes; resolves once listed. */
  async start(): Promise<void> {
    const { signal } = this.abort;
    this.informers = NODE_TASK_KIND_NAMES.map((kind) =>
      createInformer(this.o.store, kind, {
        signal,
        log: this.log,
        clock: this.o.clock,
        onEvent: (e) => this.onJobEvent(kind, e as WatchEvent<NodeTaskKind>),
      }),
    );
    await Promise.all(this.informers.map((i) => i.synced));
    this.log.info({ activeJobs: this.executors.size }, 'node task manager started');
  }

  /** Stops dispatching; waits for running evaluations and queued status writes. */
  async stop(): Promise<void> {
    this.abort.abort(new Error('task manager stopping'));
    await Promise.all([...this.executors.values()].map((e) => e.stop()));
    await Promise.all([...this.writers.values()].map((w) => w.idle()));
  }

  /** A node registered with this replica: send what it is owed, start what it may run. */
  private nodeConnected(nodeName: string): void {
    for (const executor of this.executors.values()) if (executor.concerns(nodeName)) executor.poke();
  }

  private onJobEvent(kind: NodeTaskKind, e: WatchEvent<NodeTaskKind>): void {
    const job = e.object as NodeTaskJob;
    const key = jobKey(kind, job.metadata.name);
    const existing = this.executors.get(key);
    const otherApi = nodeTaskVersionOf(job) !== NodeTaskMode.v1alpha2; // the v1alpha1 task manager's
    if (otherApi && e.type !== 'DELETED' && !isJobFinished(job.status?.phase))
      void this.o.refusals?.refuse(job);
    if (e.type === 'DELETED' || otherApi || !Executor.needed(job)) {
      if (existing) {
        this.executors.delete(key);
        void existing.stop();
      }
      return;
    }
    const executor = existing ?? this.newExecutor(kind, job.metadata.name, key);
    executor.update(job);
  }

  private newExecutor(kind: NodeTaskKind, name: string, key: string): Executor {
    const executor = new Executor(key, {
      downstream: this.downstream,
      replicaId: this.o.replicaId,
      clock: this.o.clock,
      log: this.log,
      signal: this.abort.signal,
      retryDelayMs: this.o.retryDelayMs ?? 1000,
      writer: () => this.writerFor(kind, name),
      prelude: (job) =>
        loadTaskPrelude(this.o.store, job, this.log, {
          allowedNamespaces: this.o.imageSecretNamespaces ?? DEFAULT_IMAGE_SECRET_NAMESPACES,
        }),
    });
    this.executors.set(key, executor);
    return executor;
  }

  private writerFor(kind: NodeTaskKind, name: string): JobStatusWriter {
    const key = jobKey(kind, name);
    let writer = this.writers.get(key);
    if (!writer) {
      const created = new JobStatusWriter({
        store: this.o.store,
        kind,
        name,
        clock: this.o.clock,
        log: this.log,
        windowMs: this.o.batchWindowMs ?? 20,
        onIdle: () => {
          if (this.writers.get(key) === created && !created.busy) this.writers.delete(key);
        },
      });
      writer = created;
      this.writers.set(key, writer);
    }
    return writer;
  }

  /** For logs and tests: how many jobs have an executor here. */
  get activeJobs(): number {
    return this.executors.size;
  }
}
