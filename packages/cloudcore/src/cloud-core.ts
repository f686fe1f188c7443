// CloudCore: CloudHub plus the controllers that act on what nodes send. It
// holds no state of its own beyond live sessions; everything durable is in
// the store, so any number of replicas can run and a restart loses nothing.
import {
  KedgeError,
  Operations,
  WireGroups,
  errorMessage,
  parseEdgeResource,
  validateAs,
  type Message,
} from '@kedge/api';
import type { Clock, Logger } from '@kedge/runtime';
import type { ResourceStore } from '@kedge/store';
import { CloudHub, type CloudHubTls } from './cloudhub/cloud-hub.ts';
import type { NodeSession } from './cloudhub/node-session.ts';
import { NodeLifecycle } from './nodes/node-lifecycle.ts';
import { TaskManager } from './taskmanager/task-manager.ts';

export interface CloudCoreOptions {
  store: ResourceStore;
  log: Logger;
  clock: Clock;
  replicaId: string;
  hub: {
    host: string;
    port: number;
    tls?: CloudHubTls | undefined;
    tokenSecret: string | Buffer;
    nodeLimit: number;
    keepaliveTimeoutMs: number;
    maxMessageBytes: number;
  };
  heartbeatWriteIntervalMs: number;
  /** Node tasks (v1alpha2); omitted = on. Off when disabled or when the v1alpha2 gate is off. */
  taskManager?: { enable: boolean; disableNodeTaskV1alpha2: boolean; batchWindowMs?: number };
}

export class CloudCore {
  readonly hub: CloudHub;
  private readonly o: CloudCoreOptions;
  private readonly log: Logger;
  private readonly lifecycle: NodeLifecycle;
  private readonly tasks: TaskManager | undefined;
  private readonly tasksOff: string | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private heartbeatRunning = false;

  constructor(options: CloudCoreOptions) {
    this.o = options;
    this.log = options.log;
    this.lifecycle = new NodeLifecycle({
      store: options.store,
      replicaId: options.replicaId,
      heartbeatWriteIntervalMs: options.heartbeatWriteIntervalMs,
      clock: options.clock,
      log: options.log,
    });
    this.hub = new CloudHub({
      ...options.hub,
      log: options.log,
      clock: options.clock,
      handlers: {
        register: async (session, content) => {
          const node = await this.lifecycle.register(session.nodeName, content, session.info.edgecoreVersion);
          // Queued behind this register, so it runs once the session counts as registered and the reply is out.
          const tasks = this.tasks;
          if (tasks) session.enqueue(async () => tasks.nodeConnected(session.nodeName));
          return node;
        },
        message: (session, msg) => this.onMessage(session, msg),
        closed: (session, why) => {
          this.tasks?.nodeDisconnected(session.nodeName);
          return this.lifecycle.disconnected(session.nodeName, why.reason, why.message);
        },
      },
    });
    const tm = options.taskManager;
    this.tasksOff =
      tm?.disableNodeTaskV1alpha2 === true
        ? 'featureGates.disableNodeTaskV1alpha2 is true'
        : tm?.enable === false
          ? 'modules.taskManager.enable is false'
          : undefined;
    this.tasks = this.tasksOff
      ? undefined
      : new TaskManager({
          store: options.store,
          hub: this.hub,
          replicaId: options.replicaId,
          clock: options.clock,
          log: options.log,
          ...(tm?.batchWindowMs !== undefined ? { batchWindowMs: tm.batchWindowMs } : {}),
        });
  }

  /** Starts serving; resolves with the tunnel port. */
  async start(): Promise<number> {
    if (this.tasks) await this.tasks.start();
    else this.log.info(`node tasks (v1alpha2) off: ${this.tasksOff}`);
    let port: number;
    try {
      port = await this.hub.start();
    } catch (err) {
      await this.tasks?.stop();
      throw err;
    }
    const every = Math.max(250, Math.min(1000, this.o.heartbeatWriteIntervalMs / 4));
    this.heartbeatTimer = setInterval(() => void this.writeHeartbeats(), every);
    return port;
  }

  async stop(): Promise<void> {
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    await this.hub.stop();
    await this.tasks?.stop();
  }

  private async writeHeartbeats(): Promise<void> {
    if (this.heartbeatRunning) return;
    this.heartbeatRunning = true;
    try {
      for (const node of this.hub.connectedNodes()) {
        await this.lifecycle.heartbeat(node).catch((err: unknown) => {
          this.log.warn({ node, err: errorMessage(err) }, 'heartbeat write failed');
        });
      }
    } finally {
      this.heartbeatRunning = false;
    }
  }

  private async onMessage(session: NodeSession, msg: Message): Promise<unknown> {
    const { operation, group, resource } = msg.route;
    if (operation === Operations.response) return undefined; // acks of downstream resource messages
    if (operation === Operations.updateNodeActionStatus) {
      if (!this.tasks) {
        throw new KedgeError(
          'KEDGE_TASK_INVALID',
          `node tasks (v1alpha2) are off on this cloudcore: ${this.tasksOff}`,
          {
            node: session.nodeName,
            resource,
          },
        );
      }
      return this.tasks.handleReport(session.nodeName, msg);
    }
    const r = parseEdgeResource(resource);
    if (group === WireGroups.resource && operation === Operations.insert && r?.type === 'event') {
      return this.recordEvent(session, msg, r.namespace);
    }
    throw new KedgeError(
      'KEDGE_WIRE_MALFORMED',
      `node ${session.nodeName}: unsupported message (group ${group}, operation ${operation}, resource ${resource})`,
      { node: session.nodeName, resource },
    );
  }

  /** An edge Event report; stored once by name, so a resent report is a no-op. */
  private async recordEvent(session: NodeSession, msg: Message, namespace: string): Promise<string> {
    const event = validateAs('Event', msg.content, `event report from node ${session.nodeName}`);
    const ns = namespace === 'null' ? 'default' : namespace;
    try {
      await this.o.store.create('Event', { ...event, metadata: { ...event.metadata, namespace: ns } });
    } catch (err) {
      if (!(err instanceof KedgeError && err.code === 'KEDGE_STORE_ALREADY_EXISTS')) throw err;
    }
    return 'OK';
  }
}
