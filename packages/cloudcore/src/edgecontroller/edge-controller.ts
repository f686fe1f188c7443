// EdgeController: the cloud side of the pod pipeline (KubeEdge's
// edgecontroller + synccontroller). Downstream, object sync sends each node
// held by this replica its pods and the ConfigMaps/Secrets they reference,
// resuming from the ObjectSync records; upstream, it records the node's acks,
// writes its pods' status and answers its object queries under the node
// authorizer rule.
import { Operations, type Message } from '@kedge/api';
import { systemClock, type Clock, type Logger } from '@kedge/runtime';
import { serviceAccountTokenRequester, type ResourceStore } from '@kedge/store';
import { ObjectSyncRecords } from '../objectsync/object-sync-records.ts';
import { ObjectSync, type NodeSender } from './downstream/object-sync.ts';
import { NodeObjects } from './node-objects.ts';
import { KubeTokenIssuer } from './sa-tokens/kube-token-issuer.ts';
import { LocalTokenIssuer } from './sa-tokens/local-token-issuer.ts';
import { NodeTokens } from './sa-tokens/node-tokens.ts';
import { PodTokens } from './sa-tokens/pod-tokens.ts';
import { answerObjectQuery, isObjectQuery } from './upstream/object-query.ts';
import { isPodStatusMessage, recordPodStatus } from './upstream/pod-status.ts';

export interface EdgeControllerOptions {
  store: ResourceStore;
  log: Logger;
  sender: NodeSender;
  /** Time source for object sync's retries and ack timeouts (default systemClock). */
  clock?: Clock;
  /**
   * ServiceAccount tokens for the nodes' pods (docs/workloads.md): from kube-apiserver's TokenRequest
   * when the store is one, else minted by cloudcore with a key derived from `tokenSecret`.
   */
  serviceAccountTokens?: { tokenSecret: string | Buffer; caCrt?: string } | undefined;
}

/** An upstream route (the shape of cloudcore's UpstreamController routes). */
interface Route {
  name: string;
  matches(msg: Message): boolean;
  handle(node: string, msg: Message): Promise<unknown>;
}

export class EdgeController {
  readonly #o: EdgeControllerOptions;
  readonly #log: Logger;
  readonly #stop = new AbortController();
  readonly #objects: NodeObjects;
  readonly #sync: ObjectSync;
  readonly #records: ObjectSyncRecords;

  constructor(options: EdgeControllerOptions) {
    this.#o = options;
    this.#log = options.log.child({ module: 'edgecontroller' });
    this.#records = new ObjectSyncRecords({ store: options.store, log: options.log });
    this.#objects = new NodeObjects({
      tokens: options.serviceAccountTokens && this.#nodeTokens(options, options.serviceAccountTokens),
      store: options.store,
      log: this.#log,
      signal: this.#stop.signal,
      onChange: (nodes) => this.#sync.changed(nodes),
    });
    this.#sync = new ObjectSync({
      sender: options.sender,
      objects: this.#objects,
      records: this.#records,
      log: options.log,
      signal: this.#stop.signal,
      ...(options.clock ? { clock: options.clock } : {}),
    });
  }

  #nodeTokens(
    options: EdgeControllerOptions,
    sat: NonNullable<EdgeControllerOptions['serviceAccountTokens']>,
  ): NodeTokens {
    const requester = serviceAccountTokenRequester(options.store);
    const issuer = requester ? new KubeTokenIssuer(requester) : new LocalTokenIssuer(sat.tokenSecret);
    this.#log.info({ mode: issuer.mode }, 'ServiceAccount tokens for edge pods');
    const tokens = new PodTokens({
      issuer,
      clock: options.clock ?? systemClock,
      log: this.#log,
      signal: this.#stop.signal,
      onIssued: (node) => this.#sync.changed([node]),
    });
    return new NodeTokens(tokens, sat.caCrt ?? '');
  }

  /** The node a pod is bound to (for the event admission). */
  nodeOfPod(namespace: string, name: string): string | undefined {
    return this.#objects.nodeOfPod(namespace, name);
  }

  /** A node registered here: send what it is owed (runs in the background, errors logged). */
  nodeConnected(node: string): void {
    this.#sync.nodeConnected(node).catch((err: unknown) => {
      this.#log.warn({ node, err }, 'could not resume object sync');
    });
  }

  upstreamRoutes(): Route[] {
    return [
      {
        name: 'object sync acks',
        matches: (msg) =>
          (msg.route.operation === Operations.response || msg.route.operation === Operations.error) &&
          this.#sync.owns(msg),
        handle: async (node, msg) => this.#sync.answered(node, msg),
      },
      {
        name: 'pod status',
        matches: isPodStatusMessage,
        handle: (node, msg) => recordPodStatus(this.#o.store, this.#log, node, msg),
      },
      {
        name: 'object queries',
        matches: isObjectQuery,
        handle: (node, msg) => answerObjectQuery(this.#objects, node, msg),
      },
    ];
  }

  /** Opens the informers on pods and the objects they use; object sync waits for their first list. */
  async start(): Promise<void> {
    this.#objects.start();
  }

  async stop(): Promise<void> {
    this.#stop.abort();
  }
}
