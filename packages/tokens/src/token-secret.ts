// The token secret's default file (and the CA's, whose hash starts a join
// token), and the rule every holder of the secret applies before deriving
// tokens from it: cloudcore loading its secret file, keadm gettoken reading
// the file or the cluster's Secret.

/** Where cloudcore keeps the token secret and the CA a join token names, unless configured otherwise. */
export const DEFAULT_TOKEN_SECRET_FILE = '/etc/kedge/token-secret';
export const DEFAULT_CLOUD_CA_FILE = '/etc/kedge/ca/rootCA.crt';

/** Shortest token secret accepted (characters, after trimming). */
export const MIN_TOKEN_SECRET_LENGTH = 16;

/** True when `secret` (already trimmed) is long enough to derive tokens from. */
export function isUsableTokenSecret(secret: string): boolean {
  return secret.length >= MIN_TOKEN_SECRET_LENGTH;
}
