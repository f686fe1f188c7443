export { CloudCore, type CloudCoreOptions } from './cloud-core.ts';
export { startCloudCore, type RunningCloudCore } from './app.ts';
export { defaultCloudCoreConfig, loadCloudCoreConfig, renderCloudCoreConfig } from './config/index.ts';
export {
  caKeyPem,
  issueServerCert,
  loadOrCreateCloudCa,
  newCloudCa,
  type CloudCa,
} from './cloudhub/certs/cloud-ca.ts';
export { NODE_REVOCATIONS, revokeNode } from './cloudhub/certs/node-revocations.ts';
export { DEFAULT_EDGE_CERT_DAYS, signEdgeCsr, signNodeKey } from './cloudhub/certs/edge-cert-signer.ts';
