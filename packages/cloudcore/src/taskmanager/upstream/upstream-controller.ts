// UpstreamController: everything cloudcore receives from its nodes is routed
// here, by the message's operation, group and resource, to the handler that
// owns it (node-task reports and progress today; pod status and object sync
// acks next). CloudHub hands over each message in the node's order (its
// session queue) and acknowledges a sync message with what the handler
// resolves to, only after it resolved: a handler resolves once what it
// received is durable, so an ack means stored. A message no route claims is
// refused with KEDGE_WIRE_MALFORMED naming what it was.
import { KedgeError, type Message } from '@kedge/api';

export interface UpstreamRoute {
  /** What the route handles, for errors and logs. */
  name: string;
  matches(msg: Message): boolean;
  /** Resolves with the reply content once the message is handled durably; throws a coded error to refuse it. */
  handle(node: string, msg: Message): Promise<unknown>;
}

export class UpstreamController {
  readonly #routes: UpstreamRoute[] = [];

  /** Adds routes; the first registered route that matches a message handles it. */
  register(...routes: UpstreamRoute[]): void {
    this.#routes.push(...routes);
  }

  /** Hands a node's message to its route. */
  async dispatch(node: string, msg: Message): Promise<unknown> {
    const route = this.#routes.find((r) => r.matches(msg));
    if (route) return route.handle(node, msg);
    const { group, operation, resource } = msg.route;
    throw new KedgeError(
      'KEDGE_WIRE_MALFORMED',
      `node ${node}: unsupported message (group ${group}, operation ${operation}, resource ${resource})`,
      { node, resource },
    );
  }
}
