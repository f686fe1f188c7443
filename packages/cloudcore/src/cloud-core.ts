// CloudCore: CloudHub plus the controllers that act on what nodes send. What
// goes to nodes leaves through the DownstreamController, what comes from them
// is routed by the UpstreamController; the node-task pipelines (v1alpha2 and
// v1alpha1) plug into both, as pod and object sync will. It holds no state of
// its own beyond live sessions; everything durable is in the store, so any
// number of replicas can run and a restart loses nothing.
import {
  KedgeError,
  LogsRoute,
  hasCode,
  NODE_TASK_MODE_CONFIGMAP,
  ModeRefusals,
  NodeTaskMode,
  NodeTaskModeMarker,
  NodeTaskOperations,
  V1alpha1TaskType,
  Operations,
  WireGroups,
  errorMessage,
  nodeTaskModeKey,
  nodeTaskModeOf,
  parseEdgeResource,
  type Message,
} from '@kedge/api';
import {
  every,
  loopService,
  startServices,
  startStopService,
  type Clock,
  type Logger,
  type Service,
  type StartedServices,
} from '@kedge/runtime';
import { configMapTable, type ResourceStore } from '@kedge/store';
import { CloudHub, type CloudHubTls } from './cloudhub/cloud-hub.ts';
import { CloseCodes } from './cloudhub/close-codes.ts';
import { LogsRelay } from './cloudhub/logs-relay.ts';
import { LogsEndpoint } from './cloudhub/logs-endpoint/logs-endpoint.ts';
import { NodeCredentials, type NodeCredentialsOptions } from './cloudhub/certs/node-credentials.ts';
import { EdgeController } from './edgecontroller/edge-controller.ts';
import { admitNodeEvent } from './events/node-event-admission.ts';
import { NodeLeases } from './nodes/node-lease.ts';
import { NodeLifecycle } from './nodes/node-lifecycle.ts';
import { DownstreamController } from './taskmanager/downstream/downstream-controller.ts';
import { TaskManager } from './taskmanager/task-manager.ts';
import { UpstreamController, type UpstreamRoute } from './taskmanager/upstream/upstream-controller.ts';
import { V1alpha1TaskManager } from './taskmanager-v1alpha1/v1alpha1-task-manager.ts';

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
    /** Upstream messages per node; default 30/s, burst 60. */
    rateLimit?: { qps: number; burst: number } | undefined;
  };
  heartbeatWriteIntervalMs: number;
  /** Serve `kedgectl logs` here (docs/workloads.md); omitted = not served. */
  logsEndpoint?: { address: string; port: number } | undefined;
  /** Renew a Lease kube-node-lease/<node> of this duration for each connected node; omitted = no Leases. */
  nodeLeaseDurationSeconds?: number | undefined;
  /** The cloud CA and bootstrap server: node identity from client certificates (docs/tunnel.md). */
  certificates?: NodeCredentialsOptions['certificates'];
  /**
   * Node tasks; omitted = on, v1alpha2. With disableNodeTaskV1alpha2 the v1alpha1 task manager runs
   * instead (jobs created as v1alpha1), and the v1alpha2 one does not.
   */
  taskManager?: {
    enable: boolean;
    disableNodeTaskV1alpha2: boolean;
    batchWindowMs?: number;
    /** Namespaces a pull Secret may be read from; default kubeedge. */
    imageSecretNamespaces?: readonly string[];
  };
}

export class CloudCore {
  readonly hub: CloudHub;
  readonly credentials: NodeCredentials;
  /** Everything sent to nodes goes through it. */
  readonly downstream: DownstreamController;
  /** Everything received from nodes is routed by it. */
  readonly upstream = new UpstreamController();
  /** `kedgectl logs` streams opened on this replica's nodes (docs/tunnel.md, container logs). */
  readonly logs: LogsRelay;
  /** The HTTP side of `kedgectl logs`, when configured. */
  readonly logsEndpoint: LogsEndpoint | undefined;
  private readonly o: CloudCoreOptions;
  private readonly log: Logger;
  private readonly lifecycle: NodeLifecycle;
  private readonly leases: NodeLeases | undefined;
  /** Pods and the objects they use, to and from the nodes (docs/tunnel.md, object sync). */
  private readonly edge: EdgeController;
  private readonly tasks: TaskManager | undefined;
  private readonly tasksOff: string | undefined;
  private readonly tasksV1alpha1: V1alpha1TaskManager | undefined;
  private readonly modeMarker: NodeTaskModeMarker | undefined;
  /** The parts, once start() was called (settles when they all started, or after a start failed). */
  private running: Promise<StartedServices> | undefined;
  /** The tunnel port, once CloudHub listens. */
  private port: number | undefined;

  constructor(options: CloudCoreOptions) {
    this.o = options;
    this.log = options.log;
    this.leases =
      options.nodeLeaseDurationSeconds === undefined
        ? undefined
        : new NodeLeases({
            store: options.store,
            durationSeconds: options.nodeLeaseDurationSeconds,
            clock: options.clock,
            log: options.log,
          });
    this.lifecycle = new NodeLifecycle({
      store: options.store,
      replicaId: options.replicaId,
      heartbeatWriteIntervalMs: options.heartbeatWriteIntervalMs,
      clock: options.clock,
      log: options.log,
    });
    this.credentials = new NodeCredentials({
      store: options.store,
      log: options.log,
      clock: options.clock,
      tokenSecret: options.hub.tokenSecret,
      certificates: options.certificates,
    });
    this.hub = new CloudHub({
      ...options.hub,
      authenticate: this.credentials.authenticate,
      log: options.log,
      clock: options.clock,
      handlers: {
        register: async (session, content) => {
          const node = await this.lifecycle.register(session.nodeName, content, session.info.edgecoreVersion);
          // Queued behind this register, so it runs once the session counts as registered and the reply is out.
          session.enqueue(async () => this.downstream.nodeConnected(session.nodeName));
          return node;
        },
        message: (session, msg) => this.upstream.dispatch(session.nodeName, msg),
        closed: (session, why) => {
          this.leases?.forget(session.nodeName);
          this.downstream.nodeDisconnected(session.nodeName);
          this.logs.nodeGone(session.nodeName);
          return this.lifecycle.disconnected(session.nodeName, why.reason, why.message);
        },
      },
    });
    this.downstream = new DownstreamController({ hub: this.hub, log: options.log });
    this.logs = new LogsRelay({ send: (node, msg) => this.hub.send(node, msg) });
    this.logsEndpoint = options.logsEndpoint
      ? new LogsEndpoint({
          ...options.logsEndpoint,
          replicaId: options.replicaId,
          store: options.store,
          relay: this.logs,
          isConnected: (node) => this.hub.session(node)?.registered === true,
          log: options.log,
        })
      : undefined;
    this.edge = new EdgeController({
      store: options.store,
      log: options.log,
      sender: this.downstream,
      clock: options.clock,
      serviceAccountTokens: { tokenSecret: options.hub.tokenSecret },
    });
    this.downstream.onNodeConnected((node) => this.edge.nodeConnected(node));
    this.credentials.onRevoked((node) =>
      this.hub
        .session(node)
        ?.close(CloseCodes.revoked, 'KEDGE_AUTH_NODE_REVOKED: node revoked or deleted; join it again'),
    );
    const tm = options.taskManager;
    const enabled = tm?.enable !== false;
    const mode = nodeTaskModeOf(tm?.disableNodeTaskV1alpha2 === true);
    this.tasksOff = !enabled
      ? 'modules.taskManager.enable is false'
      : mode === NodeTaskMode.v1alpha1
        ? 'featureGates.disableNodeTaskV1alpha2 is true (the v1alpha1 node tasks run instead)'
        : undefined;
    this.modeMarker = enabled
      ? new NodeTaskModeMarker({
          table: configMapTable(options.store, NODE_TASK_MODE_CONFIGMAP),
          process: 'cloudcore',
          key: nodeTaskModeKey('cloudcore', options.replicaId),
          mode,
        })
      : undefined;
    const refusals = this.modeMarker
      ? new ModeRefusals({ marker: this.modeMarker, log: options.log.child({ module: 'taskmanager' }) })
      : undefined;
    this.tasks =
      this.tasksOff || !refusals
        ? undefined
        : new TaskManager({
            store: options.store,
            downstream: this.downstream,
            replicaId: options.replicaId,
            clock: options.clock,
            log: options.log,
            refusals,
            ...(tm?.batchWindowMs !== undefined ? { batchWindowMs: tm.batchWindowMs } : {}),
            ...(tm?.imageSecretNamespaces !== undefined
              ? { imageSecretNamespaces: tm.imageSecretNamespaces }
              : {}),
          });
    this.tasksV1alpha1 =
      enabled && refusals && mode === NodeTaskMode.v1alpha1
        ? new V1alpha1TaskManager({
            store: options.store,
            downstream: this.downstream,
            replicaId: options.replicaId,
            clock: options.clock,
            log: options.log,
            refusals,
          })
        : undefined;
    this.upstream.register(...this.upstreamRoutes());
  }

  /** What nodes may send, in the order the UpstreamController tries the routes. */
  private upstreamRoutes(): UpstreamRoute[] {
    const refuse = (name: string, operations: readonly string[], why: string): UpstreamRoute => ({
      name,
      matches: (msg) => operations.includes(msg.route.operation),
      handle: (node, msg) =>
        Promise.reject(new KedgeError('KEDGE_TASK_INVALID', why, { node, resource: msg.route.resource })),
    });
    return [
      ...this.edge.upstreamRoutes(),
      {
        name: 'logs stream answers',
        matches: (msg) => msg.route.group === LogsRoute.group,
        handle: async (node, msg) => void this.logs.fromEdge(node, msg),
      },
      {
        name: 'acks of downstream messages',
        matches: (msg) => msg.route.operation === Operations.response,
        handle: async () => undefined,
      },
      ...(this.tasks?.upstreamRoutes() ?? [
        refuse(
          'node task reports (off)',
          [Operations.updateNodeActionStatus, NodeTaskOperations.updateNodeActionProgress],
          `node tasks (v1alpha2) are off on this cloudcore: ${this.tasksOff}`,
        ),
      ]),
      ...(this.tasksV1alpha1?.upstreamRoutes() ?? [
        refuse(
          'v1alpha1 node task answers (off)',
          [V1alpha1TaskType.upgrade, V1alpha1TaskType.prepull],
          'v1alpha1 node tasks are off on this cloudcore (featureGates.disableNodeTaskV1alpha2 is not true)',
        ),
      ]),
      {
        name: 'node events',
        matches: (msg) =>
          msg.route.group === WireGroups.resource &&
          msg.route.operation === Operations.insert &&
          parseEdgeResource(msg.route.resource)?.type === 'event',
        handle: (node, msg) => this.recordEvent(node, msg),
      },
    ];
  }

  /**
   * The parts in start order (stop runs in reverse): the node-task mode record, the task
   * managers, the edge controller, credentials and the certificate server, CloudHub, the
   * heartbeat writes. Everything a node can reach starts last and stops first.
   */
  private services(): Service[] {
    const services: Service[] = [];
    const marker = this.modeMarker;
    if (marker) {
      services.push(
        startStopService('node task mode record', {
          start: () => marker.recordAndCompare(this.log),
          stop: () =>
            marker.remove().catch((err: unknown) => {
              this.log.warn(
                { err: errorMessage(err) },
                'could not remove this replica from the node task mode ConfigMap',
              );
            }),
        }),
      );
    }
    if (this.tasks) services.push(startStopService('node task manager', this.tasks));
    else this.log.info(`node tasks (v1alpha2) off: ${this.tasksOff}`);
    if (this.tasksV1alpha1) {
      services.push(startStopService('node task manager (v1alpha1)', this.tasksV1alpha1));
    }
    services.push(startStopService('edge controller', this.edge));
    services.push(startStopService('node credentials', this.credentials));
    services.push(
      startStopService('cloudhub', {
        start: async () => (this.port = await this.hub.start()),
        stop: () => this.hub.stop(),
      }),
    );
    const logsEndpoint = this.logsEndpoint;
    if (logsEndpoint) services.push(startStopService('logs endpoint', logsEndpoint));
    const period = Math.max(250, Math.min(1000, this.o.heartbeatWriteIntervalMs / 4));
    // one write round at a time, through the injected clock
    services.push(
      loopService('heartbeat writes', (signal) =>
        every(this.o.clock, period, signal, () => this.writeHeartbeats()),
      ),
    );
    return services;
  }

  /**
   * Starts the parts in order; resolves with the tunnel port. When one fails to start, the ones
   * already started are stopped in reverse and the failure is rethrown. Starts once.
   */
  async start(): Promise<number> {
    if (this.running) {
      throw new KedgeError('KEDGE_INTERNAL', 'CloudCore.start() called twice; make a new CloudCore');
    }
    this.running = startServices(this.services(), { log: this.log, clock: this.o.clock });
    const running = await this.running;
    running.done.catch((err: unknown) => {
      this.log.error({ err: errorMessage(err) }, 'a cloudcore part failed; every part is stopped');
    });
    return this.port ?? 0;
  }

  /** Stops the started parts in reverse start order. Idempotent; a no-op before start(). */
  async stop(): Promise<void> {
    const running = await this.running?.catch(() => undefined);
    await running?.stop();
  }

  private async writeHeartbeats(): Promise<void> {
    for (const node of this.hub.connectedNodes()) {
      await this.lifecycle.heartbeat(node).catch((err: unknown) => {
        this.log.warn({ node, err: errorMessage(err) }, 'heartbeat write failed');
      });
      await this.leases?.renewIfDue(node).catch((err: unknown) => {
        this.log.warn({ node, err: errorMessage(err) }, 'node Lease renewal failed');
      });
    }
  }

  /** An edge Event report; stored once by name, so a resent report is a no-op. */
  private async recordEvent(node: string, msg: Message): Promise<string> {
    const namespace = parseEdgeResource(msg.route.resource)?.namespace ?? '';
    const event = admitNodeEvent(node, namespace, msg.content, (ns, name) => this.edge.nodeOfPod(ns, name));
    try {
      await this.o.store.create('Event', event);
    } catch (err) {
      if (!hasCode(err, 'KEDGE_STORE_ALREADY_EXISTS')) throw err;
    }
    return 'OK';
  }
}
