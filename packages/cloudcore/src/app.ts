// Assembles a running cloudcore from its resolved config: store, secret,
// TLS material, CloudCore. main.ts owns argv and signals; this owns wiring.
import { hostname } from 'node:os';
import { KedgeError, errorMessage } from '@kedge/api';
import {
  startServices,
  readFieldFile,
  startStopService,
  systemClock,
  type Logger,
  type StartedServices,
} from '@kedge/runtime';
import { openStore } from '@kedge/store';
import { CloudCore } from './cloud-core.ts';
import type { CloudCoreConfig } from './config/index.ts';
import { loadCertificates } from './cloudhub/certs/load-certificates.ts';
import { nodeLeaseOn } from './nodes/node-lease.ts';
import { loadOrCreateTokenSecret } from './token-secret.ts';

export interface RunningCloudCore {
  port: number;
  replicaId: string;
  stop(): Promise<void>;
}

export async function startCloudCore(config: CloudCoreConfig, log: Logger): Promise<RunningCloudCore> {
  const hub = config.modules.cloudHub;
  const { secret, created } = loadOrCreateTokenSecret(hub.auth.tokenSecretFile);
  if (created) log.warn({ file: hub.auth.tokenSecretFile }, 'generated a new node token secret');
  const certificates = await loadCertificates(hub, log);
  const tls = certificates
    ? {
        cert: certificates.serverCert.cert,
        key: certificates.serverCert.key,
        ca: certificates.ca.pem,
        requestCert: true,
      }
    : hub.tls.enable
      ? {
          cert: readFieldFile('modules.cloudHub.tls.certFile', hub.tls.certFile),
          key: readFieldFile('modules.cloudHub.tls.keyFile', hub.tls.keyFile),
          ...(hub.tls.caFile ? { ca: readFieldFile('modules.cloudHub.tls.caFile', hub.tls.caFile) } : {}),
        }
      : undefined;
  const store = await openStore(config.store, log);
  const replicaId = hub.replicaId || `${hostname()}-${hub.websocket.port}`;
  const cloudcore = new CloudCore({
    store,
    log: log.child({ replica: replicaId }),
    clock: systemClock,
    replicaId,
    hub: {
      host: hub.websocket.address,
      port: hub.websocket.port,
      tls,
      tokenSecret: secret,
      nodeLimit: hub.nodeLimit,
      keepaliveTimeoutMs: hub.keepaliveTimeout * 1000,
      maxMessageBytes: hub.maxMessageBytes,
      rateLimit: { qps: hub.nodeMessageQPS, burst: hub.nodeMessageBurst },
    },
    heartbeatWriteIntervalMs: hub.nodeStatusUpdateFrequency * 1000,
    logsEndpoint: hub.logs.enable ? { address: hub.logs.address, port: hub.logs.port } : undefined,
    nodeLeaseDurationSeconds: nodeLeaseOn(hub.nodeLease.enable, config.store.backend)
      ? hub.nodeLease.durationSeconds
      : undefined,
    certificates,
    taskManager: {
      enable: config.modules.taskManager.enable,
      disableNodeTaskV1alpha2: config.featureGates.disableNodeTaskV1alpha2,
      imageSecretNamespaces: config.modules.taskManager.imageSecretNamespaces,
    },
  });
  let port = 0;
  const parts = [
    // opened above; closed once cloudcore stopped, or when it failed to start
    startStopService('store', { start: async () => undefined, stop: () => store.close() }),
    startStopService('cloudcore', {
      start: async () => (port = await cloudcore.start()),
      stop: () => cloudcore.stop(),
    }),
  ];
  let running: StartedServices;
  try {
    running = await startServices(parts, { log });
  } catch (err) {
    throw listenProblem(err, hub) ?? err;
  }
  log.info({ port, replicaId }, 'cloudcore started');
  return { port, replicaId, stop: () => running.stop() };
}

/** A socket that could not bind (port in use, address not local, no permission), naming the field. */
function listenProblem(err: unknown, hub: CloudCoreConfig['modules']['cloudHub']): KedgeError | undefined {
  const e = err as NodeJS.ErrnoException & { address?: string; port?: number };
  if (!(err instanceof Error) || e.syscall !== 'listen') return undefined;
  const listeners = {
    'modules.cloudHub.websocket': hub.websocket.port,
    'modules.cloudHub.https': hub.https.port,
  };
  const fields = Object.entries(listeners)
    .filter(([, port]) => port === e.port)
    .map(([field]) => field);
  return new KedgeError(
    'KEDGE_CONFIG_INVALID',
    `${fields[0] ?? 'cloudcore'}: cannot listen on ${e.address}:${e.port}: ${errorMessage(err)}`,
    { fields },
    { cause: err },
  );
}
