// For the task manager's integration tests: a real Bus, the real TaskManager
// over a real SQLite file with the real Outbox and EdgeReporter, a real
// metaServer on 127.0.0.1:0 with the confirm route, and a stand-in for EdgeHub
// (module `websocket`) playing the cloud: it records every message edgecore
// sends up and acknowledges reports as the cloud would (outbox ack). Also an
// install root with a fake v1.2.0 release (the install library's test
// releases) and a release image pushed to a real registry.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ActionReportSchema,
  EdgeGroups,
  EdgeModules,
  NodeTaskOperations,
  Operations,
  WireGroups,
  newMessage,
  nodeTaskResource,
  type ActionReport,
  type Message,
} from '@kedge/api';
import { Bus, type ModuleContext } from '@kedge/beehive';
import { pushRelease } from '@kedge/oci';
import { createLogger, systemClock } from '@kedge/runtime';
import { waitFor, makeFakeRelease } from '@kedge/testing';
import { openEdgeDatabase, Outbox, type EdgeDatabase } from '../src/database/index.ts';
import { installLayout, switchCurrent, stageRelease, type InstallLayout } from '@kedge/installer';
import { MetaCache } from '../src/metamanager/index.ts';
import { MetaServer, metaServerTokenPath, readMetaServerToken } from '../src/metaserver/index.ts';
import { EdgeReporter } from '../src/reporting/edge-reporter.ts';
import { nodeTaskActions } from '../src/taskmanager/actions/node-task-actions.ts';
import type { NodeTaskEnvOptions } from '../src/taskmanager/actions/node-task-env.ts';
import { registerConfirmUpgrade } from '../src/taskmanager/confirm-upgrade-route.ts';
import { TaskManager } from '../src/taskmanager/task-manager.ts';
import type { ActionRegistry } from '../src/taskmanager/task-types.ts';

export const NODE = 'edge-1';
export const OLD = 'v1.2.0';
export const NEW = 'v1.3.0';

export interface TaskHarnessOptions {
  dbFile: string;
  /** Overrides of the action environment (version defaults to OLD). */
  env?: Partial<NodeTaskEnvOptions>;
  /** Replaces the actions (e.g. to wrap one); receives the real ones. */
  actions?: (real: ActionRegistry) => ActionRegistry;
  /** Whether the stand-in cloud acks reports (default true). */
  ack?: boolean;
  /** modules.taskManager.enable (default true). */
  taskManagerEnabled?: boolean;
}

export interface TaskHarness {
  readonly edb: EdgeDatabase;
  readonly outbox: Outbox;
  /** The edge cache (metaManager's table) the actions read, e.g. pull secrets. */
  readonly cache: MetaCache;
  readonly taskManager: TaskManager;
  readonly url: string;
  /** Every message edgecore handed to EdgeHub, in order. */
  readonly toCloud: Message[];
  readonly restarts: string[];
  /** The action reports sent up so far, in order. */
  reports(): (ActionReport & { msgId: string; resource: string })[];
  waitForReports(n: number, what?: string): Promise<(ActionReport & { msgId: string })[]>;
  sendTask(
    job: string,
    jobUid: string,
    spec: Record<string, unknown>,
    options?: { node?: string; type?: string; operation?: string; content?: unknown },
  ): Promise<void>;
  cloudConfirm(job: string, jobUid: string, type?: string): Promise<void>;
  /** Delivers a message from the cloud to the task manager as EdgeHub would. */
  fromCloud(msg: Message): Promise<void>;
  setConnected(connected: boolean): Promise<void>;
  post(path: string, body?: unknown): Promise<{ status: number; body: unknown }>;
  stop(): Promise<void>;
}

export async function startTaskHarness(o: TaskHarnessOptions): Promise<TaskHarness> {
  const edb = openEdgeDatabase(o.dbFile);
  const clock = systemClock;
  const outbox = new Outbox({ db: edb.db, clock });
  const bus = new Bus({
    log: createLogger({ name: 'taskmanager-test', level: process.env['KEDGE_LOG_LEVEL'] ?? 'silent' }),
    clock,
  });
  const reporter = new EdgeReporter(outbox, bus);
  const toCloud: Message[] = [];
  const restarts: string[] = [];
  bus.register({
    name: EdgeModules.edgeHub,
    group: EdgeGroups.hub,
    enabled: true,
    start: async (ctx: ModuleContext) => {
      while (!ctx.signal.aborted) {
        let msg: Message;
        try {
          msg = await ctx.receive();
        } catch {
          return;
        }
        toCloud.push(msg);
        if (o.ack !== false && msg.header.sync) outbox.ack(msg.header.msg_id);
      }
    },
  });
  const cache = new MetaCache({ db: edb.db });
  const envOptions: NodeTaskEnvOptions = {
    version: OLD,
    nodeName: NODE,
    installRoot: undefined,
    configFile: undefined,
    loadedConfigSha256: undefined,
    dataSource: o.dbFile,
    clock,
    cpuSampleMs: 20,
    meta: cache,
    ...o.env,
  };
  const real = nodeTaskActions(envOptions);
  const taskManager = new TaskManager({
    enabled: o.taskManagerEnabled ?? true,
    nodeName: NODE,
    db: edb.db,
    reporter,
    actions: o.actions ? o.actions(real) : real,
    requestRestart: (reason) => restarts.push(reason),
    clock,
  });
  const metaServer = new MetaServer({
    cache,
    server: '127.0.0.1:0',
    nodeName: NODE,
    version: envOptions.version,
    tokenFile: metaServerTokenPath(o.dbFile),
  });
  registerConfirmUpgrade(metaServer, taskManager);
  bus.register(taskManager);
  bus.register(metaServer);
  await bus.start();
  const { url } = await metaServer.listening();

  const reports = (): (ActionReport & { msgId: string; resource: string })[] =>
    toCloud
      .filter((m) => m.route.operation === Operations.updateNodeActionStatus)
      .map((m) => ({
        ...ActionReportSchema.parse(m.content),
        msgId: m.header.msg_id,
        resource: m.route.resource,
      }));

  return {
    edb,
    outbox,
    cache,
    taskManager,
    url,
    toCloud,
    restarts,
    reports,
    waitForReports: (n, what) =>
      waitFor(() => (reports().length >= n ? reports() : undefined), {
        timeoutMs: 20_000,
        what: what ?? `${n} reports`,
      }),
    async sendTask(job, jobUid, spec, opts = {}) {
      const msg = newMessage({
        source: 'taskmanager',
        group: WireGroups.taskManager,
        operation: opts.operation ?? 'Check',
        resource: nodeTaskResource(opts.type ?? 'nodeupgradejob', job, opts.node ?? NODE),
        content: opts.content ?? { jobUid, spec },
      });
      await bus.send(EdgeModules.taskManager, msg);
    },
    async fromCloud(msg) {
      await bus.send(EdgeModules.taskManager, msg);
    },
    async cloudConfirm(job, jobUid, type = 'nodeupgradejob') {
      const msg = newMessage({
        source: 'taskmanager',
        group: WireGroups.taskManager,
        operation: NodeTaskOperations.confirm,
        resource: nodeTaskResource(type, job, NODE),
        content: { jobUid },
      });
      await bus.send(EdgeModules.taskManager, msg);
    },
    async setConnected(connected) {
      const operation = connected ? 'cloud_connected' : 'cloud_disconnected';
      await bus.sendToGroup(
        EdgeGroups.taskManager,
        newMessage({
          source: EdgeModules.edgeHub,
          group: EdgeGroups.taskManager,
          operation,
          resource: 'node/connection',
        }),
      );
    },
    async post(path, body) {
      const token = readMetaServerToken(metaServerTokenPath(o.dbFile));
      const res = await fetch(`${url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      return { status: res.status, body: text ? (JSON.parse(text) as unknown) : undefined };
    },
    async stop() {
      await bus.stop();
      edb.close();
    },
  };
}

export interface TestInstall {
  layout: InstallLayout;
  configFile: string;
}

/** An install root running OLD, with an edgecore.yaml for backups. */
export function makeInstall(
  dir: string,
  configText = 'apiVersion: edgecore.config.kubeedge.io/v1alpha2\nkind: EdgeCore\n',
): TestInstall {
  const layout = installLayout(join(dir, 'install'));
  const src = makeFakeRelease(join(dir, 'releases'), OLD, 'run');
  stageRelease(layout, OLD, src);
  switchCurrent(layout, OLD);
  mkdirSync(join(dir, 'etc'), { recursive: true });
  const configFile = join(dir, 'etc', 'edgecore.yaml');
  writeFileSync(configFile, configText);
  return { layout, configFile };
}

/** Pushes a fake release of `version` to `<registry>/kedge/installation-package:<version>`; returns the repository and digest. */
export async function pushTestRelease(
  registryUrl: string,
  dir: string,
  version: string,
): Promise<{ image: string; digest: string }> {
  const image = `${registryUrl}/kedge/installation-package`;
  const src = makeFakeRelease(join(dir, 'push'), version, 'run', `${version}-src`);
  const pushed = await pushRelease(`${image}:${version}`, src);
  return { image, digest: pushed.digest };
}

/** A NodeUpgradeJob spec as controllermanager stores it (defaults explicit). */
export function upgradeSpec(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    version: NEW,
    nodeNames: [NODE],
    concurrency: 1,
    timeoutSeconds: 300,
    failureTolerate: '0.1',
    ...over,
  };
}
