// Keeps each connected edge node's Node object true: registered on connect,
// Ready with a fresh heartbeat while the session lives (written at most every
// nodeStatusUpdateFrequency), NotReady with the reason when the session ends.
// A replica writes only nodes it holds (annotation `cloudcore`).
import {
  KedgeError,
  NodeAnnotations,
  NodeLabels,
  RegisterNodeContentSchema,
  describeIssues,
  type Node,
  type RegisterNodeContent,
} from '@kedge/api';
import type { Clock, Logger } from '@kedge/runtime';
import { mutate, type ResourceStore } from '@kedge/store';
import { withReadyCondition } from './ready-condition.ts';

export interface NodeLifecycleOptions {
  store: ResourceStore;
  replicaId: string;
  heartbeatWriteIntervalMs: number;
  clock: Clock;
  log: Logger;
}

export class NodeLifecycle {
  private readonly o: NodeLifecycleOptions;
  private readonly log: Logger;
  private readonly lastWrite = new Map<string, number>();

  constructor(options: NodeLifecycleOptions) {
    this.o = options;
    this.log = options.log.child({ module: 'nodelifecycle' });
  }

  /** Creates or updates the Node for a node that just connected; returns it. */
  async register(nodeName: string, rawContent: unknown, sessionVersion: string): Promise<Node> {
    const parsed = RegisterNodeContentSchema.safeParse(rawContent);
    if (!parsed.success) {
      throw new KedgeError(
        'KEDGE_WIRE_MALFORMED',
        `node ${nodeName}: invalid register message: ${describeIssues(parsed.error).join('; ')}`,
        { node: nodeName },
      );
    }
    const info = parsed.data;
    const version = info.edgecoreVersion || sessionVersion;
    const now = new Date(this.o.clock.now());
    const { store } = this.o;

    let node = await store.get('Node', nodeName);
    if (!node) {
      try {
        node = await store.create('Node', this.newNode(nodeName, info, version));
      } catch (err) {
        if (!(err instanceof KedgeError && err.code === 'KEDGE_STORE_ALREADY_EXISTS')) throw err;
      }
    }
    await mutate(store, 'Node', nodeName, (n) => {
      const labels = { ...n.metadata.labels, ...this.nodeLabels(info) };
      const annotations: Record<string, string> = {
        ...n.metadata.annotations,
        [NodeAnnotations.cloudcore]: this.o.replicaId,
        [NodeAnnotations.edgecoreVersion]: version,
      };
      if (sameRecord(labels, n.metadata.labels) && sameRecord(annotations, n.metadata.annotations))
        return undefined;
      return { ...n, metadata: { ...n.metadata, labels, annotations } };
    });
    const stored = await mutate(
      store,
      'Node',
      nodeName,
      (n) => {
        const withInfo: Node = {
          ...n,
          status: {
            ...n.status,
            addresses: info.addresses,
            nodeInfo: { ...n.status?.nodeInfo, ...info.nodeInfo, kubeletVersion: version },
          },
        };
        return withReadyCondition(
          withInfo,
          'True',
          'EdgeConnected',
          `connected to cloudcore ${this.o.replicaId}`,
          now,
        );
      },
      { status: true },
    );
    this.lastWrite.set(nodeName, now.getTime());
    this.log.info({ node: nodeName, version }, 'node registered and Ready');
    if (!stored)
      throw new KedgeError('KEDGE_STORE_NOT_FOUND', `node ${nodeName} vanished during registration`);
    return stored;
  }

  /** Refreshes the heartbeat of a connected node when it is due. */
  async heartbeat(nodeName: string): Promise<void> {
    const now = this.o.clock.now();
    const last = this.lastWrite.get(nodeName) ?? 0;
    if (now - last < this.o.heartbeatWriteIntervalMs) return;
    this.lastWrite.set(nodeName, now);
    await this.writeIfOwned(nodeName, (n) =>
      withReadyCondition(
        n,
        'True',
        'EdgeConnected',
        `connected to cloudcore ${this.o.replicaId}`,
        new Date(now),
      ),
    );
  }

  /** Marks a node NotReady after its session ended here. */
  async disconnected(nodeName: string, reason: string, message: string): Promise<void> {
    this.lastWrite.delete(nodeName);
    const now = new Date(this.o.clock.now());
    const written = await this.writeIfOwned(nodeName, (n) =>
      withReadyCondition(n, 'False', reason, message, now),
    );
    if (written) this.log.info({ node: nodeName, reason }, `node NotReady: ${message}`);
  }

  private async writeIfOwned(nodeName: string, change: (n: Node) => Node): Promise<boolean> {
    let written = false;
    await mutate(
      this.o.store,
      'Node',
      nodeName,
      (n) => {
        if (n.metadata.annotations?.[NodeAnnotations.cloudcore] !== this.o.replicaId) return undefined;
        written = true;
        return change(n);
      },
      { status: true },
    );
    return written;
  }

  private nodeLabels(info: RegisterNodeContent): Record<string, string> {
    return { ...info.labels, [NodeLabels.edge]: '', [NodeLabels.agent]: '' };
  }

  private newNode(nodeName: string, info: RegisterNodeContent, version: string): Node {
    return {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name: nodeName,
        labels: this.nodeLabels(info),
        annotations: {
          [NodeAnnotations.cloudcore]: this.o.replicaId,
          [NodeAnnotations.edgecoreVersion]: version,
        },
      },
      spec: {},
    };
  }
}

function sameRecord(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  const ka = Object.keys(a ?? {});
  const kb = Object.keys(b ?? {});
  return ka.length === kb.length && ka.every((k) => a?.[k] === b?.[k]);
}
