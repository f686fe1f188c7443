// The Executor for one job on one replica decides which node tasks start;
// the DownstreamController sends them. Each evaluation works from the job as
// the informer last saw it:
// - every InProgress entry whose node is connected here is owed its task
//   (the downstream sends it unless it went out on the node's current
//   session: after a claim, a reconnect, or a restart of this replica);
// - a waiting node the operator confirmed (job annotation) is owed `Confirm`;
// - while the rollout may widen, Pending entries of nodes connected here are
//   claimed through the job's status writer (global concurrency, failure
//   tolerance; slots free themselves as entries leave InProgress, timeouts
//   included) and then sent their task.
// Evaluations of one job never overlap; pokes during one run it again after.
import type { Clock, Logger } from '@kedge/runtime';
import {
  confirmationGiven,
  entriesOf,
  errorMessage,
  hasWorkToDispatch,
  isNodeTaskOpen,
  isWaitingForConfirmation,
  rfc3339,
  type NodeTaskJob,
} from '@kedge/api';
import type { JobStatusWriter } from '../status/job-status-writer.ts';
import type { NodeTaskDownstream } from '../downstream/node-task-downstream.ts';
import type { TaskPrelude } from '../downstream/task-prelude.ts';
import { claimPending, rolloutBlocked } from './claim-pending.ts';

export interface ExecutorHost {
  /** Sends tasks and confirmations; says which nodes are connected here. */
  downstream: NodeTaskDownstream;
  replicaId: string;
  clock: Clock;
  log: Logger;
  signal: AbortSignal;
  /** The job's (shared) status writer. */
  writer(): JobStatusWriter;
  /** Wait before re-evaluating after a failed claim write. */
  retryDelayMs: number;
  /** What a node gets right before its task (an ImagePrePullJob's pull Secret); read once per evaluation. */
  prelude?(job: NodeTaskJob): Promise<TaskPrelude | undefined>;
}

export class Executor {
  readonly key: string;
  private readonly host: ExecutorHost;
  private readonly log: Logger;
  private job: NodeTaskJob | undefined;
  /** The prelude of the job as this evaluation read it. */
  private prelude: TaskPrelude | undefined;
  /** Nodes whose entry is Pending or InProgress in `job`: what a reconnect may concern. */
  private open = new Set<string>();
  private dirty = false;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(key: string, host: ExecutorHost) {
    this.key = key;
    this.host = host;
    this.log = host.log.child({ job: key });
  }

  /** Whether a job in this state needs an executor: something to send or to start. */
  static needed(job: NodeTaskJob): boolean {
    return hasWorkToDispatch(job);
  }

  /** The informer's newest view of the job. */
  update(job: NodeTaskJob): void {
    this.job = job;
    const open = new Set<string>();
    for (const e of entriesOf(job)) if (isNodeTaskOpen(e.phase)) open.add(e.nodeName);
    this.open = open;
    this.poke();
  }

  /** Whether the job has an entry for the node that may need sending now (O(1): called per connect). */
  concerns(nodeName: string): boolean {
    return this.open.has(nodeName);
  }

  poke(): void {
    if (this.stopped || this.host.signal.aborted) return;
    this.dirty = true;
    this.running ??= this.loop();
  }

  /** Stops evaluating; resolves when a running evaluation finished. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.running;
    this.host.downstream.forgetJob(this.key);
  }

  private async loop(): Promise<void> {
    try {
      while (this.dirty && !this.stopped && !this.host.signal.aborted) {
        this.dirty = false;
        try {
          await this.evaluate();
        } catch (err: unknown) {
          this.log.warn(
            { err: errorMessage(err) },
            `node task dispatch failed; retrying in ${this.host.retryDelayMs} ms`,
          );
          await this.host.clock.sleep(this.host.retryDelayMs, this.host.signal).catch(() => undefined);
          this.dirty = true;
        }
      }
    } finally {
      this.running = undefined;
    }
  }

  private async evaluate(): Promise<void> {
    const job = this.job;
    if (!job) return;
    this.prelude = await this.host.prelude?.(job);
    this.sendOwed(job);
    if (rolloutBlocked(job) !== undefined) return;
    const { downstream } = this.host;
    if (!entriesOf(job).some((e) => e.phase === 'Pending' && downstream.connected(e.nodeName))) return;
    const uid = job.metadata.uid;
    const claimed = await this.host.writer().submit((current) =>
      current.metadata.uid === uid
        ? claimPending(current, {
            replicaId: this.host.replicaId,
            now: rfc3339(new Date(this.host.clock.now())),
            connectedHere: (node) => downstream.connected(node),
          })
        : { changed: false, value: { job: current, nodes: [] } },
    );
    const left: string[] = [];
    for (const node of claimed.nodes) {
      const sent = downstream.sendTask(claimed.job, node, this.prelude, { force: true }) !== 'not-sent';
      this.log.debug(
        { node, sent },
        sent ? 'node task started' : 'node task claimed; node left before the send',
      );
      if (!sent) left.push(node);
    }
    // One line per claim, not per node: a claim may start thousands of nodes at once.
    if (claimed.nodes.length > 0) {
      this.log.info(
        {
          started: claimed.nodes.length - left.length,
          nodes: claimed.nodes.slice(0, LOGGED_NODES),
          ...(left.length > 0 ? { leftBeforeSend: left.slice(0, LOGGED_NODES) } : {}),
        },
        left.length > 0
          ? `node tasks started on ${claimed.nodes.length - left.length} nodes; ${left.length} claimed but left before the send`
          : `node tasks started on ${claimed.nodes.length} nodes`,
      );
    }
  }

  /** Tasks of InProgress entries not yet sent on the node's current session, and confirmations. */
  private sendOwed(job: NodeTaskJob): void {
    const resent: string[] = [];
    const confirmed: string[] = [];
    const { downstream } = this.host;
    for (const entry of entriesOf(job)) {
      if (entry.phase !== 'InProgress' || !downstream.connected(entry.nodeName)) continue;
      if (downstream.sendTask(job, entry.nodeName, this.prelude) === 'sent') {
        this.log.debug({ node: entry.nodeName, dispatchedBy: entry.dispatchedBy }, 'node task re-sent');
        resent.push(entry.nodeName);
      }
      if (
        isWaitingForConfirmation(job, entry) &&
        confirmationGiven(job, entry.nodeName) &&
        downstream.sendConfirm(job, entry.nodeName) === 'sent'
      ) {
        confirmed.push(entry.nodeName);
      }
    }
    if (resent.length > 0) {
      this.log.info(
        { count: resent.length, nodes: resent.slice(0, LOGGED_NODES) },
        `node task re-sent to ${resent.length} node(s)`,
      );
    }
    if (confirmed.length > 0) {
      this.log.info(
        { count: confirmed.length, nodes: confirmed.slice(0, LOGGED_NODES) },
        `confirmation sent to ${confirmed.length} node(s)`,
      );
    }
  }
}

/** How many node names a summary log line lists. */
const LOGGED_NODES = 20;
