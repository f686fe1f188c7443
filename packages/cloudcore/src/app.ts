// Assembles a running cloudcore from its resolved config: store, secret,
// TLS material, CloudCore. main.ts owns argv and signals; this owns wiring.
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { KedgeError, errorMessage } from '@kedge/api';
import { systemClock, type Logger } from '@kedge/runtime';
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
          cert: readConfigFile(hub.tls.certFile, 'modules.cloudHub.tls.certFile'),
          key: readConfigFile(hub.tls.keyFile, 'modules.cloudHub.tls.keyFile'),
          ...(hub.tls.caFile ? { ca: readConfigFile(hub.tls.caFile, 'modules.cloudHub.tls.caFile') } : {}),
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
  let port: number;
  try {
    port = await cloudcore.start();
  } catch (err) {
    await store.close();
    throw new KedgeError(
      'KEDGE_CONFIG_INVALID',
      `cannot listen on ${hub.websocket.address}:${hub.websocket.port}: ${errorMessage(err)}`,
      { fields: ['modules.cloudHub.websocket'] },
      { cause: err },
    );
  }
  log.info({ port, replicaId }, 'cloudcore started');
  return {
    port,
    replicaId,
    stop: async () => {
      await cloudcore.stop();
      await store.close();
    },
  };
}

function readConfigFile(file: string, field: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new KedgeError('KEDGE_CONFIG_UNREADABLE', `${field}: cannot read ${file}: ${errorMessage(err)}`, {
      file,
      fields: [field],
    });
  }
}
