// The formats of a node's credentials: the per-node HMAC token (node-token)
// and the join token `<ca-hash>.<jwt>` (join-token, ca-hash). Issuing and
// checking both live here; what the cloud decides about a valid token
// (revocations, which node it may join) stays in cloudcore.
export { nodeToken, verifyNodeToken } from './node-token.ts';
export { caHash, caHashOfPem } from './ca-hash.ts';
export {
  DEFAULT_CLOUD_CA_FILE,
  DEFAULT_TOKEN_SECRET_FILE,
  MIN_TOKEN_SECRET_LENGTH,
  isUsableTokenSecret,
} from './token-secret.ts';
export {
  DEFAULT_TOKEN_TTL_SECONDS,
  createJoinToken,
  splitJoinToken,
  verifyJoinJwt,
  type JoinTokenClaims,
} from './join-token.ts';
