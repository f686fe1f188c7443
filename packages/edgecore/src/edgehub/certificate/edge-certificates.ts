// edgecore.yaml -> the certificate manager of certificates mode
// (modules.edgeHub.httpServer set), or undefined in token mode.
import type { Clock, Logger } from '@kedge/runtime';
import type { EdgeCoreConfig } from '../../config/index.ts';
import { CertManager } from './cert-manager.ts';

export function edgeCertificates(
  hub: EdgeCoreConfig['modules']['edgeHub'],
  nodeName: string,
  clock: Clock,
  log: Logger,
): CertManager | undefined {
  if (hub.httpServer === '') return undefined;
  return new CertManager({
    nodeName,
    httpServer: hub.httpServer,
    token: hub.token,
    files: { caFile: hub.tlsCaFile, certFile: hub.tlsCertFile, keyFile: hub.tlsPrivateKeyFile },
    rotate: hub.rotateCertificates,
    clock,
    log: log.child({ module: 'certificate', node: nodeName }),
  });
}
