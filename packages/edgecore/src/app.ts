// Assembles a running edgecore from its resolved config: the edge database,
// the module bus and the modules (edgeHub, metaManager, metaServer, and the
// task manager, edged and the service proxy when enabled). main.ts owns argv and signals.
import { createPublicKey, type KeyObject } from 'node:crypto';
import { KedgeError, errorMessage } from '@kedge/api';
import { Bus } from '@kedge/beehive';
import { readFieldFile, systemClock, type Logger } from '@kedge/runtime';
import type { EdgeCoreConfig } from './config/index.ts';
import { openEdgeDatabase, Outbox, type EdgeDatabase } from './database/index.ts';
import { EdgeHub } from './edgehub/edge-hub.ts';
import { InstallCommitter } from './installcommitter/install-committer.ts';
import { installLayout, type InstallLayout, sha256File } from '@kedge/installer';
import { Edged, containerRuntimeVersion } from './edged/index.ts';
import { nodeAddresses, registerContent, type RegisterFacts } from './edgehub/register-content.ts';
import { MetaCache, MetaManager } from './metamanager/index.ts';
import { MetaServer, metaServerTokenPath } from './metaserver/index.ts';
import { ServiceProxy } from './serviceproxy/index.ts';
import { EdgeReporter } from './reporting/edge-reporter.ts';
import { reportEvent, type EventInput } from './reporting/event-route.ts';
import { TaskManager, nodeTaskActions, registerConfirmUpgrade } from './taskmanager/index.ts';
import { edgecoreVersion } from './version.ts';
import { edgeCertificates } from './edgehub/certificate/edge-certificates.ts';

/**
 * Asks edgecore to stop cleanly and exit 0 so that what supervises it (the
 * launcher under systemd, or kedge's supervisor) starts it again: after an
 * upgrade switched `current`, or a config update wrote a new edgecore.yaml.
 * Idempotent: the first reason is the one main.ts logs.
 */
export type RequestRestart = (reason: string) => void;

export interface EdgeCoreStartOptions {
  /** The edgecore.yaml the config was loaded from (its sha256 identifies a config update on trial). */
  configFile?: string;
  /** The install root ($KEDGE_INSTALL_ROOT, set by the launcher); without it no install marker is committed. */
  installRoot?: string;
}

export interface RunningEdgeCore {
  nodeName: string;
  version: string;
  edgeHub: EdgeHub;
  metaServer: MetaServer;
  reporter: EdgeReporter;
  /** The install layout when running under an install root. */
  install: InstallLayout | undefined;
  requestRestart: RequestRestart;
  /** Resolves with the first reason given to requestRestart. */
  restartRequested: Promise<string>;
  stop(): Promise<void>;
}

/**
 * How long stop() waits for one module (they stop one by one, in reverse): seven modules at most
 * stay inside the 15 s the launcher gives edgecore after SIGTERM (then SIGKILL), even if every one hangs.
 */
const MODULE_STOP_BOUND_MS = 2000;

export async function startEdgeCore(
  config: EdgeCoreConfig,
  log: Logger,
  options: EdgeCoreStartOptions = {},
): Promise<RunningEdgeCore> {
  const database = openEdgeDatabase(config.database.dataSource);
  try {
    return await startOnDatabase(database, config, log, options);
  } catch (err: unknown) {
    // A start that fails (a config file, the container runtime, the metaServer port) closes what it opened.
    database.close();
    throw err;
  }
}

async function startOnDatabase(
  database: EdgeDatabase,
  config: EdgeCoreConfig,
  log: Logger,
  options: EdgeCoreStartOptions,
): Promise<RunningEdgeCore> {
  const m = config.modules;
  const nodeName = m.edged.hostnameOverride;
  const version = edgecoreVersion();
  const clock = systemClock;
  const outbox = new Outbox({ db: database.db, clock });
  const bus = new Bus({ log: log.child({ node: nodeName }), clock, stopBoundMs: MODULE_STOP_BOUND_MS });
  const reporter = new EdgeReporter(outbox, bus);
  const cache = new MetaCache({ db: database.db });
  const edged = new Edged({
    config: m.edged,
    nodeName,
    nodeIP: nodeAddresses()[0]?.address ?? '127.0.0.1',
    cache,
    reports: reporter,
    clock,
  });
  const facts: RegisterFacts = { nodeName };
  if (edged.enabled) {
    facts.containerRuntimeVersion = await containerRuntimeVersion(
      m.edged.tailoredKubeletConfig.containerRuntimeEndpoint,
    );
  }

  const edgeHub = new EdgeHub({
    nodeName,
    projectId: m.edgeHub.projectID,
    token: m.edgeHub.token,
    server: m.edgeHub.websocket.server,
    servers: m.edgeHub.websocket.servers,
    ca:
      m.edgeHub.httpServer === '' && m.edgeHub.tlsCaFile
        ? readFieldFile('modules.edgeHub.tlsCaFile', m.edgeHub.tlsCaFile)
        : undefined,
    certificates: edgeCertificates(m.edgeHub, nodeName, clock, log),
    heartbeatMs: m.edgeHub.heartbeat * 1000,
    handshakeTimeoutMs: m.edgeHub.websocket.handshakeTimeout * 1000,
    maxMessageBytes: m.edgeHub.websocket.maxMessageBytes,
    reconnectInitialMs: m.edgeHub.reconnect.initialDelay * 1000,
    reconnectMaxMs: m.edgeHub.reconnect.maxDelay * 1000,
    register: () => registerContent(version, m.edged.nodeLabels, facts),
    outbox,
    clock,
  });
  const metaServer = new MetaServer({
    cache,
    server: m.metaManager.metaServer.server,
    nodeName,
    version,
    enabled: m.metaManager.enable && m.metaManager.metaServer.enable,
    tokenFile: metaServerTokenPath(config.database.dataSource),
  });
  metaServer.registerRoute('POST', '/api/v1/namespaces/{namespace}/events', async (req) => {
    const event = await reportEvent(
      reporter,
      nodeName,
      req.params.namespace ?? 'default',
      req.body as EventInput,
      new Date(clock.now()),
    );
    return { status: 201, body: event };
  });

  let restart: (reason: string) => void = () => undefined;
  const restartRequested = new Promise<string>((resolve) => (restart = resolve));
  const requestRestart: RequestRestart = (reason) => {
    log.info({ node: nodeName, reason }, 'restart requested');
    restart(reason);
  };
  const install = options.installRoot ? installLayout(options.installRoot) : undefined;
  const loadedConfigSha256 = options.configFile ? sha256File(options.configFile) : undefined;
  if (install) {
    bus.register(
      new InstallCommitter({ layout: install, runningVersion: version, loadedConfigSha256, clock }),
    );
  }
  const taskManager = new TaskManager({
    enabled: m.taskManager.enable,
    nodeName,
    db: database.db,
    reporter,
    actions: nodeTaskActions({
      version,
      nodeName,
      installRoot: options.installRoot,
      configFile: options.configFile,
      loadedConfigSha256,
      dataSource: config.database.dataSource,
      clock,
      healthTimeoutMs: m.taskManager.healthTimeout * 1000,
      limits: m.taskManager.checkLimits,
      unpackLimits: m.taskManager.releaseLimits,
      ...releasePublicKey(m.taskManager.releasePublicKeyFile),
      ...(m.taskManager.defaultImage ? { defaultImage: m.taskManager.defaultImage } : {}),
      registry: registryAccess(m.taskManager.registry),
      containerRuntimeEndpoint: m.edged.tailoredKubeletConfig.containerRuntimeEndpoint,
      meta: cache,
    }),
    requestRestart,
    clock,
  });
  if (taskManager.active) {
    registerConfirmUpgrade(metaServer, taskManager);
  }

  bus.register(edgeHub);
  bus.register(new MetaManager({ cache, enabled: m.metaManager.enable }));
  bus.register(metaServer);
  bus.register(taskManager);
  bus.register(edged);
  bus.register(
    new ServiceProxy({
      enabled: m.serviceProxy.enable,
      netnsPath: m.serviceProxy.netnsPath,
      dns: m.serviceProxy.dns,
      cache,
      clock,
    }),
  );
  await bus.start();
  try {
    if (metaServer.enabled) await metaServer.listening();
  } catch (err: unknown) {
    // Started modules keep the process alive (and the metaServer module would retry for ever): stop
    // them so that the caller can exit and whatever supervises edgecore sees the failure.
    await bus.stop();
    throw err;
  }

  await reportEvent(
    reporter,
    nodeName,
    'default',
    { reason: 'Starting', message: `edgecore ${version} started on node ${nodeName}` },
    new Date(clock.now()),
  ).catch((err: unknown) => log.warn({ err: errorMessage(err) }, 'could not queue the start event'));
  log.info({ node: nodeName, version, pendingReports: outbox.size() }, 'edgecore started');

  return {
    nodeName,
    version,
    edgeHub,
    metaServer,
    reporter,
    install,
    requestRestart,
    restartRequested,
    stop: async () => {
      await bus.stop();
      database.close();
    },
  };
}

/** modules.taskManager.releasePublicKeyFile as a key; a file that is not a PEM public key is a config error. */
function releasePublicKey(file: string): { releasePublicKey?: KeyObject } {
  if (!file) return {};
  const field = 'modules.taskManager.releasePublicKeyFile';
  const pem = readFieldFile(field, file);
  try {
    return { releasePublicKey: createPublicKey(pem) };
  } catch (err: unknown) {
    throw new KedgeError(
      'KEDGE_CONFIG_INVALID',
      `${field}: ${file} is not a PEM public key: ${errorMessage(err)}`,
      {
        file,
        fields: [field],
      },
    );
  }
}

function registryAccess(r: EdgeCoreConfig['modules']['taskManager']['registry']): {
  auth?: { username: string; password: string };
  insecure?: boolean;
} {
  // insecure is only ever turned on here: plain http to a loopback registry is the client's own default.
  const insecure = r.insecure ? { insecure: true } : {};
  if (!r.username) return insecure;
  const password = readFieldFile('modules.taskManager.registry.passwordFile', r.passwordFile)
    .toString('utf8')
    .trim();
  return { auth: { username: r.username, password }, ...insecure };
}
