// The v1alpha1 pipeline's upstream route: a node's answer (operation
// upgrade|prepull, resource task/{job}/node/{node}) applied to its entry by
// the state machine (applyV1alpha1Response) in a conflict-checked write;
// resolves 'OK' once durable. A node answers only for itself.
import {
  KedgeError,
  V1alpha1TaskResponseSchema,
  V1alpha1TaskType,
  describeIssues,
  parseV1alpha1ReportResource,
  type Message,
  type V1alpha1Job,
} from '@kedge/api';
import type { Logger } from '@kedge/runtime';
import { mutate, type ResourceStore } from '@kedge/store';
import type { UpstreamRoute } from '../../taskmanager/upstream/upstream-controller.ts';
import { applyV1alpha1Response } from './apply-response.ts';

export class V1alpha1Answers {
  readonly #store: ResourceStore;
  readonly #log: Logger;

  constructor(store: ResourceStore, log: Logger) {
    this.#store = store;
    this.#log = log;
  }

  routes(): UpstreamRoute[] {
    return [
      {
        name: 'v1alpha1 node task answers',
        matches: (msg) =>
          msg.route.operation === V1alpha1TaskType.upgrade ||
          msg.route.operation === V1alpha1TaskType.prepull,
        handle: (node, msg) => this.handleResponse(node, msg),
      },
    ];
  }

  /** A v1alpha1 answer; resolves 'OK' once durable. */
  async handleResponse(nodeName: string, msg: Message): Promise<string> {
    const where = parseV1alpha1ReportResource(msg.route.resource);
    const kind =
      msg.route.operation === 'upgrade'
        ? 'NodeUpgradeJob'
        : msg.route.operation === 'prepull'
          ? 'ImagePrePullJob'
          : undefined;
    const parsed = V1alpha1TaskResponseSchema.safeParse(msg.content);
    if (!where || !kind || !parsed.success) {
      const detail = parsed.success
        ? `operation ${msg.route.operation}`
        : describeIssues(parsed.error).join('; ');
      throw new KedgeError(
        'KEDGE_WIRE_MALFORMED',
        `node ${nodeName}: bad v1alpha1 task response (${detail})`,
        {
          node: nodeName,
          resource: msg.route.resource,
        },
      );
    }
    const response = parsed.data;
    // The session's node, never the name in the route or the content: a node answers only for itself.
    const node = nodeName;
    if (where.node !== node || response.NodeName !== node) {
      throw new KedgeError(
        'KEDGE_WIRE_IMPERSONATION',
        `node ${node} may not answer for node ${where.node === node ? response.NodeName : where.node}`,
        { node, resource: msg.route.resource },
      );
    }
    let outcome = 'stale';
    await mutate(
      this.#store,
      kind,
      where.job,
      (cur) => {
        const applied = applyV1alpha1Response(cur as V1alpha1Job, node, response);
        outcome =
          applied.kind === 'recorded'
            ? `${applied.kind} -> ${applied.state}`
            : `${applied.kind}${'why' in applied ? `: ${applied.why}` : ''}`;
        return applied.kind === 'recorded' ? applied.job : undefined;
      },
      { status: true },
    );
    const fields = {
      node,
      job: `${kind}/${where.job}`,
      event: response.Event,
      action: response.Action,
      state: response.State,
    };
    this.#log.info(fields, `v1alpha1 answer ${outcome}`);
    return 'OK';
  }
}
