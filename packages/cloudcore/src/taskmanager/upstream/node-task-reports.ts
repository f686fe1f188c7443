// The node-task pipeline's upstream handlers: an UpdateNodeActionStatus
// report is recorded in its job's node entry, an UpdateNodeActionProgress
// applied to it, each through the job's coalescing status writer, and each
// resolves only once stored (or known to be moot), so the ack means durable.
import { NodeTaskOperations, Operations, type Message, type NodeTaskKind } from '@kedge/api';
import type { Clock, Logger } from '@kedge/runtime';
import type { JobStatusWriter } from '../status/job-status-writer.ts';
import { applyProgress, parseProgressMessage } from './apply-progress.ts';
import { applyReport } from './apply-report.ts';
import { parseReportMessage } from './parse-report.ts';
import type { UpstreamRoute } from './upstream-controller.ts';

export interface NodeTaskReportsOptions {
  /** The job's (shared) status writer. */
  writerFor(kind: NodeTaskKind, name: string): JobStatusWriter;
  clock: Clock;
  log: Logger;
}

export class NodeTaskReports {
  readonly #o: NodeTaskReportsOptions;

  constructor(options: NodeTaskReportsOptions) {
    this.#o = options;
  }

  /** Routes for the UpstreamController: action reports and action progress. */
  routes(): UpstreamRoute[] {
    return [
      {
        name: 'node task reports',
        matches: (msg) => msg.route.operation === Operations.updateNodeActionStatus,
        handle: (node, msg) => this.handleReport(node, msg),
      },
      {
        name: 'node task progress',
        matches: (msg) => msg.route.operation === NodeTaskOperations.updateNodeActionProgress,
        handle: (node, msg) => this.handleProgress(node, msg),
      },
    ];
  }

  /** An UpdateNodeActionStatus report; resolves 'OK' once recorded durably (or known to be moot). */
  async handleReport(nodeName: string, msg: Message): Promise<string> {
    const { kind, job, report } = parseReportMessage(msg, this.#o.clock.now());
    const outcome = await this.#o
      .writerFor(kind, job)
      .submit((current, entries) => applyReport(current, report, entries));
    const context = {
      node: nodeName,
      job: `${kind}/${job}`,
      action: report.report.action,
      msgId: msg.header.msg_id,
    };
    const { log } = this.#o;
    switch (outcome) {
      case 'recorded':
        log.debug({ ...context, succ: report.report.succ }, 'action report recorded');
        break;
      case 'duplicate':
        log.debug(context, 'action report already recorded');
        break;
      case 'stale-job':
        log.info(
          { ...context, jobUid: report.report.jobUid },
          'action report for an older job of that name ignored',
        );
        break;
      case 'after-final':
        log.warn(context, 'action report after the node or job finished: acknowledged, not applied');
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
    const outcome = await this.#o
      .writerFor(progress.kind, progress.job)
      .submit((current, entries) => applyProgress(current, progress, entries));
    this.#o.log.debug(
      { node: nodeName, job: `${progress.kind}/${progress.job}`, action: progress.progress.action, outcome },
      'action progress',
    );
    return 'OK';
  }
}
