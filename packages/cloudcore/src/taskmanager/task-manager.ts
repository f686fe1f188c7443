// cloudcore's node-task module (docs/node-tasks.md): follows the three job
// kinds with informers, runs one JobExecutor per job that has nodes to start
// or to (re)send, and records the edge's action reports through one coalescing
// status writer per job. Everything it knows is in the store, so a restarted
// replica resumes every job from its informers' first list.
import {
  DEFAULT_IMAGE_SECRET_NAMESPACES,
  NODE_TASK_KIND_NAMES,
  isJobFinished,
  jobKey,
  NodeTaskMode,
  nodeTaskVersionOf,
  type Message,
  type NodeTaskJob,
  type NodeTaskKind,
} from '@kedge/api';
import type { Clock, Logger } from '@kedge/runtime';
import { createInformer, type Informer, type ResourceStore, type WatchEvent } from '@kedge/store';
import type { CloudHub } from '../cloudhub/cloud-hub.ts';
import { JobExecutor } from './executor/job-executor.ts';
import { loadTaskPrelude } from './executor/task-prelude.ts';
import { JobStatusWriter } from './status/job-status-writer.ts';
import { applyProgress, parseProgressMessage } from './upstream/apply-progress.ts';
import { applyReport } from './upstream/apply-report.ts';
import { parseReportMessage } from './upstream/parse-report.ts';

export interface TaskManagerOptions {
  store: ResourceStore;
  hub: Pick<CloudHub, 'session' | 'send'>;
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
  private readonly executors = new Map<string, JobExecutor>();
  private readonly writers = new Map<string, JobStatusWriter>();
  private informers: Informer<NodeTaskKind>[] = [];

  constructor(options: TaskManagerOptions) {
    this.o = options;
    this.log = options.log.child({ module: 'taskmanager' });
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
  nodeConnected(nodeName: string): void {
    for (const executor of this.executors.values()) {
      if (executor.concerns(nodeName)) {
        executor.forget(nodeName);
        executor.poke();
      }
    }
  }

  /** The node's session here ended. */
  nodeDisconnected(nodeName: string): void {
    for (const executor of this.executors.values()) executor.forget(nodeName);
  }

  /** An UpdateNodeActionStatus report; resolves 'OK' once recorded durably (or known to be moot). */
  async handleReport(nodeName: string, msg: Message): Promise<string> {
    const { kind, job, report } = parseReportMessage(msg, this.o.clock.now());
    const outcome = await this.writerFor(kind, job).submit((current, entries) =>
      applyReport(current, report, entries),
    );
    const context = {
      node: nodeName,
      job: `${kind}/${job}`,
      action: report.report.action,
      msgId: msg.header.msg_id,
    };
    switch (outcome) {
      case 'recorded':
        this.log.debug({ ...context, succ: report.report.succ }, 'action report recorded');
        break;
      case 'duplicate':
        this.log.debug(context, 'action report already recorded');
        break;
      case 'stale-job':
        this.log.info(
          { ...context, jobUid: report.report.jobUid },
          'action report for an older job of that name ignored',
        );
        break;
      case 'after-final':
        this.log.warn(context, 'action report after the node or job finished: acknowledged, not applied');
        break;
    }
    return 'OK';
  }

  /**
   * An UpdateNodeActionProgress: the partial result of a running action,
   * applied to the entry (PrePull: imageStatus) without touching its
   * actionFlow or phase. Resolves 'OK' once stored or known to be moot.
   */
  async handleProgress(nodeName: string, msg: Message): Promise<string> {
    const progress = parseProgressMessage(msg);
    const outcome = await this.writerFor(progress.kind, progress.job).submit((current, entries) =>
      applyProgress(current, progress, entries),
    );
    this.log.debug(
      { node: nodeName, job: `${progress.kind}/${progress.job}`, action: progress.progress.action, outcome },
      'action progress',
    );
    return 'OK';
  }

  private onJobEvent(kind: NodeTaskKind, e: WatchEvent<NodeTaskKind>): void {
    const job = e.object as NodeTaskJob;
    const key = jobKey(kind, job.metadata.name);
    const existing = this.executors.get(key);
    const otherApi = nodeTaskVersionOf(job) !== NodeTaskMode.v1alpha2; // the v1alpha1 task manager's
    if (otherApi && e.type !== 'DELETED' && !isJobFinished(job.status?.phase))
      void this.o.refusals?.refuse(job);
    if (e.type === 'DELETED' || otherApi || !JobExecutor.needed(job)) {
      if (existing) {
        this.executors.delete(key);
        void existing.stop();
      }
      return;
    }
    const executor = existing ?? this.newExecutor(kind, job.metadata.name, key);
    executor.update(job);
  }

  private newExecutor(kind: NodeTaskKind, name: string, key: string): JobExecutor {
    const executor = new JobExecutor(key, {
      hub: this.o.hub,
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
