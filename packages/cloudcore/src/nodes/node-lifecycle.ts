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
  hasCode,
  errorMessage,
  type Event,
  type Node,
  type RefusedLabel,
  type RegisterNodeContent,
} from '@kedge/api';
import type { Clock, Logger } from '@kedge/runtime';
import { mutate, type ResourceStore } from '@kedge/store';
import { registeredLabels } from './node-labels.ts';
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
        if (!hasCode(err, 'KEDGE_STORE_ALREADY_EXISTS')) throw err;
      }
    }
    let refused: RefusedLabel[] = [];
    await mutate(store, 'Node', nodeName, (n) => {
      const merged = registeredLabels(n.metadata, info.labels);
      refused = merged.refused;
      const labels = merged.labels;
      const annotations: Record<string, string> = {
        ...merged.annotations,
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
            ...(info.capacity ? { capacity: info.capacity } : {}),
            ...(info.allocatable ? { allocatable: info.allocatable } : {}),
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
    if (refused.length > 0) await this.labelsRefused(nodeName, refused, now);
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

  /** Labels a node asked for and may not set: logged (coded) and told as a Warning Event on the Node. */
  private async labelsRefused(nodeName: string, refused: RefusedLabel[], now: Date): Promise<void> {
    const list = refused.map((r) => `${r.key} (${r.why})`).join('; ');
    this.log.warn(
      { node: nodeName, code: 'KEDGE_NODE_LABEL_REFUSED', labels: refused.map((r) => r.key) },
      `labels the node may not set on itself were dropped: ${list}`,
    );
    await this.o.store
      .create('Event', labelsRefusedEvent(nodeName, list, now))
      .catch((err: unknown) =>
        this.log.warn({ node: nodeName, err: errorMessage(err) }, 'could not record the LabelsRefused event'),
      );
  }

  private newNode(nodeName: string, info: RegisterNodeContent, version: string): Node {
    return {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name: nodeName,
        labels: { [NodeLabels.edge]: '', [NodeLabels.agent]: '' },
        annotations: {
          [NodeAnnotations.cloudcore]: this.o.replicaId,
          [NodeAnnotations.edgecoreVersion]: version,
        },
      },
      spec: {},
    };
  }
}

function labelsRefusedEvent(nodeName: string, list: string, now: Date): Event {
  const time = now.toISOString().replace(/\.\d+Z$/, 'Z');
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: `${nodeName}.labels-refused.${now.getTime().toString(16)}`, namespace: 'default' },
    involvedObject: { kind: 'Node', name: nodeName, apiVersion: 'v1' },
    type: 'Warning',
    reason: 'LabelsRefused',
    message: `KEDGE_NODE_LABEL_REFUSED: ${list}`.slice(0, 1024),
    source: { component: 'cloudcore' },
    firstTimestamp: time,
    lastTimestamp: time,
    count: 1,
  };
}

function sameRecord(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  const ka = Object.keys(a ?? {});
  const kb = Object.keys(b ?? {});
  return ka.length === kb.length && ka.every((k) => a?.[k] === b?.[k]);
}
