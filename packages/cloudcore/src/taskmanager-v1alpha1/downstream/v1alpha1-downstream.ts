// What the v1alpha1 pipeline sends, through the DownstreamController: a
// stage of a job (`NodeTaskRequest` `{TaskID, Type, State, Item}`) to a node,
// once per job incarnation, stage and node session, so a reconnect or a
// restart of this replica sends it again.
import {
  CloudModules,
  WireGroups,
  newMessage,
  v1alpha1TaskResource,
  v1alpha1TypeOfKind,
  type Message,
  type V1alpha1Job,
  type V1alpha1TaskRequest,
} from '@kedge/api';
import type { Clock } from '@kedge/runtime';
import type {
  DownstreamController,
  SendOutcome,
} from '../../taskmanager/downstream/downstream-controller.ts';
import { edgeSpec } from '../../taskmanager/downstream/task-messages.ts';

export class V1alpha1Downstream {
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

  /** The stage, unless it went out on the node's current session already (`force`: a fresh claim). */
  sendStage(job: V1alpha1Job, node: string, stage: string, options: { force?: boolean } = {}): SendOutcome {
    const uid = job.metadata.uid ?? '';
    const stream = `v1alpha1 ${job.kind}/${job.metadata.name}`;
    return this.#downstream.sendOnce(
      node,
      stream,
      `${uid} ${stage}`,
      () => [this.#message(job, node, stage)],
      options,
    );
  }

  #message(job: V1alpha1Job, node: string, stage: string): Message {
    const type = v1alpha1TypeOfKind(job.kind);
    const content: V1alpha1TaskRequest = {
      TaskID: job.metadata.name,
      Type: type,
      State: stage,
      Item: { jobUid: job.metadata.uid ?? '', spec: edgeSpec(job) },
    };
    return newMessage({
      source: CloudModules.taskManager,
      group: WireGroups.taskManager,
      operation: type,
      resource: v1alpha1TaskResource(type, job.metadata.name, node),
      content,
      now: this.#clock.now(),
    });
  }
}
