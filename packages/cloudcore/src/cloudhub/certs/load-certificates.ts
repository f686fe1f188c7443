// cloudcore.yaml -> the certificate material of a replica: the cloud CA
// (loaded, or created on first start), the server certificate (from
// certFile/keyFile, or signed by the CA for the advertised addresses) and
// the bootstrap server's address. Undefined in token mode (no caKeyFile).
import { hostname } from 'node:os';
import { readFieldFile, type Logger } from '@kedge/runtime';
import type { CloudCoreConfig } from '../../config/index.ts';
import { issueServerCert, loadOrCreateCloudCa } from './cloud-ca.ts';
import type { NodeCredentialsOptions } from './node-credentials.ts';

type HubConfig = CloudCoreConfig['modules']['cloudHub'];

export async function loadCertificates(
  hub: HubConfig,
  log: Logger,
): Promise<NodeCredentialsOptions['certificates']> {
  const { tls } = hub;
  if (!tls.enable || tls.caKeyFile === '') return undefined;
  const { ca, created } = await loadOrCreateCloudCa(tls.caFile, tls.caKeyFile);
  if (created) log.warn({ file: tls.caFile, caHash: ca.hash }, 'generated a new cloud CA');
  else log.info({ file: tls.caFile, caHash: ca.hash }, 'loaded the cloud CA');
  const serverCert =
    tls.certFile !== ''
      ? { cert: readPem(tls.certFile, 'certFile'), key: readPem(tls.keyFile, 'keyFile') }
      : await issueServerCert(ca, {
          ips: [...new Set([...hub.advertiseAddress, '127.0.0.1'])],
          dnsNames: [...new Set(['localhost', hostname()])],
        });
  return {
    ca,
    serverCert,
    https: hub.https.enable ? { host: hub.https.address, port: hub.https.port } : undefined,
    edgeCertValidityMs: hub.edgeCertSigningDuration * 24 * 3600 * 1000,
  };
}

function readPem(file: string, field: string): string {
  return readFieldFile(`modules.cloudHub.tls.${field}`, file).toString('utf8');
}
