// What the node-task pipeline sends, through the DownstreamController: a
// node's task (preceded by its prelude, an ImagePrePullJob's pull Secret, on
// the same session so it arrives first) and the operator's Confirm. Each goes
// out once per job incarnation (uid) and node session: a reconnect, or a
// restart of this replica, sends it again, and the edge de-duplicates by job
// and uid.
import { jobKey, type NodeTaskJob } from '@kedge/api';
import type { Clock } from '@kedge/runtime';
import type { DownstreamController, SendOutcome } from './downstream-controller.ts';
import { confirmMessage, taskMessage } from './task-messages.ts';
import type { TaskPrelude } from './task-prelude.ts';

export class NodeTaskDownstream {
  readonly #downstream: DownstreamController;
  readonly #clock: Clock;

  constructor(downstream: DownstreamController, clock: Clock) {
    this.#downstream = downstream;
    this.#clock = clock;
  }

  /** Whether the node has a registered, open session on this replica. */
  connected(node: string): boolean {
    return this.#downstream.connected(node);
  }

  /** The node's task, unless this incarnation went out on its session already (`force`: a fresh claim). */
  sendTask(
    job: NodeTaskJob,
    node: string,
    prelude: TaskPrelude | undefined,
    options: { force?: boolean } = {},
  ): SendOutcome {
    return this.#downstream.sendOnce(
      node,
      taskStream(job),
      job.metadata.uid ?? '',
      () => {
        const now = this.#clock.now();
        return [...(prelude?.(node, now) ?? []), taskMessage(job, node, now)];
      },
      options,
    );
  }

  /** `Confirm` for a node waiting in WaitingConfirmation, once per session. */
  sendConfirm(job: NodeTaskJob, node: string): SendOutcome {
    return this.#downstream.sendOnce(node, confirmStream(job), job.metadata.uid ?? '', () => [
      confirmMessage(job, node, this.#clock.now()),
    ]);
  }

  /** The job (`Kind/name`) needs no more sending here: deleted, or nothing left to run. */
  forgetJob(key: string): void {
    this.#downstream.forgetStream(`task ${key}`);
    this.#downstream.forgetStream(`confirm ${key}`);
  }
}

function taskStream(job: NodeTaskJob): string {
  return `task ${jobKey(job.kind, job.metadata.name)}`;
}

function confirmStream(job: NodeTaskJob): string {
  return `confirm ${jobKey(job.kind, job.metadata.name)}`;
}
