export { CloudCore, type CloudCoreOptions } from './cloud-core.ts';
export { startCloudCore, type RunningCloudCore } from './app.ts';
export { nodeToken, verifyNodeToken } from './cloudhub/node-token.ts';
export * from './config/index.ts';
export {
  caHash,
  caHashOfPem,
  caKeyPem,
  issueServerCert,
  loadOrCreateCloudCa,
  newCloudCa,
  type CloudCa,
} from './cloudhub/certs/cloud-ca.ts';
export {
  DEFAULT_TOKEN_TTL_SECONDS,
  createJoinToken,
  splitJoinToken,
  verifyJoinJwt,
} from './cloudhub/certs/join-token.ts';
export { NODE_REVOCATIONS, revokeNode } from './cloudhub/certs/node-revocations.ts';
export { DEFAULT_EDGE_CERT_DAYS, signEdgeCsr, signNodeKey } from './cloudhub/certs/edge-cert-signer.ts';
